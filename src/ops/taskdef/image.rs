//! Container image references, checked against the Docker reference grammar
//! (`[registry[:port]/]path[:tag][@digest]`) and the ECS limit of 255 characters, so a
//! typo is caught in the editor rather than as a task that cannot pull its image.

/// ECS's limit on the `image` field, which is also Docker's limit on the name part.
const MAX_LEN: usize = 255;
/// Docker's tag grammar allows one word character and then up to 127 more.
const MAX_TAG_LEN: usize = 128;

/// The parts of a well-formed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The registry host (with port), when the reference names one.
    pub registry: Option<&'a str>,
    /// The repository path within the registry, e.g. `library/nginx` or `my-app`.
    pub repository: &'a str,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

/// Checks an image reference; the error says what is wrong in words an operator can act on.
pub fn check_image(image: &str) -> Result<(), String> {
    parse(image).map(|_| ())
}

/// Splits a reference into its parts, checking each.
pub fn parse(image: &str) -> Result<ImageRef<'_>, String> {
    if image.is_empty() {
        return Err("the image reference is empty".into());
    }
    if let Some((i, c)) = image
        .chars()
        .enumerate()
        .find(|(_, c)| c.is_whitespace() || c.is_control())
    {
        let what = if c.is_whitespace() && !c.is_control() {
            "a space"
        } else {
            "a control character"
        };
        return Err(format!(
            "the image reference has {what} at character {}: {}",
            i + 1,
            shown(image)
        ));
    }
    let length = image.chars().count();
    if length > MAX_LEN {
        return Err(format!(
            "the image reference is {length} characters long; ECS accepts at most {MAX_LEN}"
        ));
    }

    let (name_and_tag, digest) = match image.split_once('@') {
        Some((before, after)) => {
            if after.contains('@') {
                return Err(format!(
                    "{}: only one '@' (before the digest) is allowed",
                    shown(image)
                ));
            }
            check_digest(after)?;
            (before, Some(after))
        }
        None => (image, None),
    };

    // The tag separator is a colon after the last slash; a colon before it is a port.
    let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
        Some(i) => {
            let at = last_slash + i;
            (&name_and_tag[..at], Some(&name_and_tag[at + 1..]))
        }
        None => (name_and_tag, None),
    };
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    if name.is_empty() {
        return Err(format!("{}: the repository name is missing", shown(image)));
    }

    let (registry, repository) = split_registry(name);
    if let Some(registry) = registry {
        check_registry(registry)?;
    }
    if repository.is_empty() {
        return Err(format!(
            "{}: the repository name after the registry is missing",
            shown(image)
        ));
    }
    for component in repository.split('/') {
        check_path_component(component)?;
    }
    Ok(ImageRef {
        registry,
        repository,
        tag,
        digest,
    })
}

/// Whether the image lives in a private Amazon ECR registry
/// (`<account>.dkr.ecr.<region>.amazonaws.com[.cn]`), which Fargate pulls with the task's
/// execution role.
pub fn is_private_ecr(image: &str) -> bool {
    let Ok(parsed) = parse(image) else {
        return false;
    };
    let Some(host) = parsed.registry else {
        return false;
    };
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() >= 6
        && parts[0].len() == 12
        && parts[0].bytes().all(|b| b.is_ascii_digit())
        && parts[1] == "dkr"
        && parts[2].starts_with("ecr")
        && parts[4] == "amazonaws"
        && parts[5] == "com"
}

/// Docker's rule: the first component names a registry when it has a dot or a colon, is
/// `localhost`, or has an uppercase letter (repository paths are lowercase).
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_registry(registry: &str) -> Result<(), String> {
    let (host, port) = if let Some(rest) = registry.strip_prefix('[') {
        // An IPv6 address in brackets, optionally followed by a port.
        let Some((inside, after)) = rest.split_once(']') else {
            return Err(format!(
                "registry \"{registry}\": the IPv6 address is missing its ']'"
            ));
        };
        if inside.is_empty() || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
            return Err(format!(
                "registry \"{registry}\": \"{inside}\" is not an IPv6 address"
            ));
        }
        match after {
            "" => (None, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => {
                    return Err(format!(
                        "registry \"{registry}\": only a port (':' and digits) may follow the address"
                    ));
                }
            },
        }
    } else {
        match registry.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(registry), None),
        }
    };
    if let Some(host) = host {
        for label in host.split('.') {
            let ok = !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-');
            if !ok {
                return Err(format!(
                    "registry \"{registry}\" is not a valid host name: each part between dots is \
                     letters, digits and inner hyphens"
                ));
            }
        }
    }
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "registry \"{registry}\": the port \"{port}\" is not a number"
        ));
    }
    Ok(())
}

/// `[a-z0-9]+` separated by `.`, `_`, `__` or one or more `-`.
fn check_path_component(component: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err(
            "the repository path has an empty part (two slashes in a row, or a slash at \
                    an end)"
                .into(),
        );
    }
    if component.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(format!(
            "repository names must be lowercase: \"{component}\" has capital letters"
        ));
    }
    let bytes = component.as_bytes();
    let mut i = 0;
    let mut expect_alnum = true;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            expect_alnum = false;
            i += 1;
            continue;
        }
        let sep_len = match b {
            b'.' => 1,
            b'_' if bytes.get(i + 1) == Some(&b'_') => 2,
            b'_' => 1,
            b'-' => bytes[i..].iter().take_while(|&&c| c == b'-').count(),
            _ => {
                let c = component[i..].chars().next().unwrap_or('?');
                return Err(format!(
                    "repository name \"{component}\" has '{c}': only lowercase letters, digits, \
                     '.', '_' and '-' are allowed"
                ));
            }
        };
        if expect_alnum {
            return Err(format!(
                "repository name \"{component}\": a separator ('.', '_', '-') must sit between \
                 letters or digits"
            ));
        }
        expect_alnum = true;
        i += sep_len;
    }
    if expect_alnum {
        return Err(format!(
            "repository name \"{component}\" must not end with a separator ('.', '_', '-')"
        ));
    }
    Ok(())
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
fn check_tag(tag: &str) -> Result<(), String> {
    if tag.is_empty() {
        return Err("the image reference ends its name with ':' but gives no tag".into());
    }
    if tag.len() > MAX_TAG_LEN {
        return Err(format!(
            "the tag is {} characters long; at most {MAX_TAG_LEN} are allowed",
            tag.len()
        ));
    }
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = tag.chars();
    if let Some(first) = chars.next()
        && !word(first)
    {
        return Err(format!(
            "tag \"{tag}\" must start with a letter, digit or '_'"
        ));
    }
    if let Some(bad) = chars.find(|&c| !(word(c) || c == '.' || c == '-')) {
        return Err(format!(
            "tag \"{tag}\" has '{bad}': only letters, digits, '_', '.' and '-' are allowed"
        ));
    }
    Ok(())
}

/// `algorithm:hex`, with the lengths the registered algorithms require.
fn check_digest(digest: &str) -> Result<(), String> {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return Err(format!(
            "digest \"{digest}\" must look like sha256:<64 hex digits>"
        ));
    };
    let algorithm_ok = !algorithm.is_empty()
        && algorithm.split(['+', '.', '_', '-']).all(|part| {
            let mut cs = part.chars();
            cs.next().is_some_and(|c| c.is_ascii_alphabetic())
                && cs.all(|c| c.is_ascii_alphanumeric())
        });
    if !algorithm_ok {
        return Err(format!(
            "digest algorithm \"{algorithm}\" is not valid (e.g. sha256)"
        ));
    }
    let required = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    let lower_hex = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c);
    match required {
        Some(n) if hex.len() != n || !hex.chars().all(lower_hex) => Err(format!(
            "a {algorithm} digest is {n} lowercase hex digits; \"{}\" is not",
            shown(hex)
        )),
        None if hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) => Err(format!(
            "digest \"{}\" needs at least 32 hex digits after \"{algorithm}:\"",
            shown(digest)
        )),
        _ => Ok(()),
    }
}

/// A reference as it may appear in a message: escaped, and cut when very long.
fn shown(s: &str) -> String {
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 80 {
        let cut: String = escaped.chars().take(79).collect();
        format!("\"{cut}…\"")
    } else {
        format!("\"{escaped}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn common_references_are_accepted() {
        let good = [
            "nginx".to_string(),
            "nginx:1.25".into(),
            "nginx:1.25-alpine".into(),
            "library/nginx:latest".into(),
            "docker.io/library/nginx".into(),
            "public.ecr.aws/nginx/nginx:stable".into(),
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/web-app:v1.2.3".into(),
            "localhost:5000/app".into(),
            "localhost/app:dev".into(),
            "registry.example.com:8443/a/b/c:tag_1".into(),
            "[::1]:5000/app:1".into(),
            "Registry.Example.com/app".into(),
            "my_app__x/a-b--c.d:_hidden".into(),
            format!("nginx@sha256:{SHA}"),
            format!("nginx:1.25@sha256:{SHA}"),
            format!("ghcr.io/org/app@sha512:{}", SHA.repeat(2)),
        ];
        for image in &good {
            assert_eq!(check_image(image), Ok(()), "{image}");
        }
    }

    #[test]
    fn parts_are_split_where_docker_splits_them() {
        let p = parse("localhost:5000/team/app:1.0").unwrap();
        assert_eq!(p.registry, Some("localhost:5000"));
        assert_eq!(p.repository, "team/app");
        assert_eq!(p.tag, Some("1.0"));
        assert_eq!(p.digest, None);
        let p = parse("team/app").unwrap();
        assert_eq!(p.registry, None);
        assert_eq!(p.repository, "team/app");
        assert_eq!(p.tag, None);
        let image = format!("app@sha256:{SHA}");
        let p = parse(&image).unwrap();
        assert_eq!(p.digest, Some(&image[4..]));
    }

    fn error_of(image: &str) -> String {
        check_image(image).expect_err(image)
    }

    #[test]
    fn malformed_references_are_refused_with_a_reason() {
        assert!(error_of("").contains("empty"));
        assert!(error_of("nginx :1").contains("space"));
        assert!(error_of("nginx\n").contains("control character"));
        assert!(error_of("Nginx").contains("lowercase"));
        assert!(error_of("team/App:1").contains("lowercase"));
        assert!(error_of("nginx:").contains("no tag"));
        assert!(error_of("nginx:-x").contains("must start"));
        // A colon before the last slash belongs to a registry, so "a" is read as a port.
        assert!(error_of("nginx:a/b").contains("port"));
        assert!(error_of("nginx:1+2").contains("'+'"));
        assert!(error_of(&format!("nginx:{}", "a".repeat(129))).contains("at most 128"));
        assert!(error_of("a//b").contains("empty part"));
        assert!(error_of("a/").contains("empty part"));
        assert!(error_of("reg.example.com/").contains("after the registry is missing"));
        assert!(error_of("/a").contains("empty part"));
        assert!(error_of("a..b").contains("separator"));
        assert!(error_of("a-").contains("must not end"));
        assert!(error_of("-a").contains("separator"));
        assert!(error_of("a___b").contains("separator"));
        assert!(
            error_of("<aws_account_id>.dkr.ecr.us-east-1.amazonaws.com/my-app").contains("host")
        );
        assert!(error_of("reg.example.com:port/app").contains("port"));
        assert!(error_of("-reg.example.com/app").contains("host"));
        assert!(error_of("[zz]:5000/app").contains("IPv6"));
        assert!(error_of(":tag").contains("missing"));
        assert!(error_of("nginx@sha256:abc").contains("64"));
        assert!(error_of(&format!("nginx@sha256:{}", SHA.to_uppercase())).contains("lowercase"));
        assert!(error_of("nginx@").contains("sha256"));
        assert!(error_of("nginx@1sha:abcdef").contains("algorithm"));
        assert!(error_of(&format!("nginx@md5x:{}", "f".repeat(31))).contains("32"));
        assert!(error_of(&format!("a@sha256:{SHA}@sha256:{SHA}")).contains("only one"));
        assert!(error_of("nginx$").contains("'$'"));
    }

    #[test]
    fn length_limits_hold() {
        let long = format!("{}:1", "a".repeat(253));
        assert_eq!(long.len(), 255);
        assert_eq!(check_image(&long), Ok(()));
        let too_long = format!("{}:1", "a".repeat(254));
        assert!(error_of(&too_long).contains("at most 255"));
    }

    #[test]
    fn private_ecr_is_recognised() {
        assert!(is_private_ecr(
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web:1"
        ));
        assert!(is_private_ecr(
            "123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/web"
        ));
        assert!(is_private_ecr(
            "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web"
        ));
        assert!(!is_private_ecr("public.ecr.aws/nginx/nginx"));
        assert!(!is_private_ecr("nginx"));
        assert!(!is_private_ecr("12345.dkr.ecr.eu-west-1.amazonaws.com/web"));
        assert!(!is_private_ecr("Not A Reference"));
    }
}
