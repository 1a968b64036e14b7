//! Region names checked before any call: the SDK accepts any string and an unknown region
//! only fails much later as a DNS error, which an operator cannot act on.

/// Regions AWS had announced when this list was written (commercial, China, GovCloud,
/// ISO and the European Sovereign Cloud).
pub(crate) const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-isof-east-1",
    "us-isof-south-1",
    "us-west-1",
    "us-west-2",
    "eu-isoe-west-1",
];

/// Geographic areas and directions AWS builds region names from. A region launched after
/// the list above was written still passes if it is made of these parts, while a typo in
/// the direction (`eu-wset-1`) does not.
const AREAS: &[&str] = &[
    "af", "ap", "ca", "cn", "eu", "eusc-de", "il", "me", "mx", "sa", "us", "us-gov",
];
const DIRECTIONS: &[&str] = &[
    "central",
    "east",
    "north",
    "northeast",
    "northwest",
    "south",
    "southeast",
    "southwest",
    "west",
];

/// `Ok` for a known region or a plausible new one; otherwise a message naming the region
/// and, when one is close, the region that was probably meant.
pub(crate) fn check_region(region: &str) -> Result<(), String> {
    if KNOWN_REGIONS.contains(&region) || looks_like_new_region(region) {
        return Ok(());
    }
    let mut message = format!("unknown AWS region '{region}'");
    if let Some(close) = closest_known(region) {
        message.push_str(&format!(" (did you mean {close}?)"));
    }
    message.push_str("; set AWS_ENDPOINT_URL to use a custom endpoint with any region name");
    Err(message)
}

fn looks_like_new_region(region: &str) -> bool {
    let Some((rest, number)) = region.rsplit_once('-') else {
        return false;
    };
    let Some((area, direction)) = rest.rsplit_once('-') else {
        return false;
    };
    let number_ok = !number.is_empty()
        && number.len() <= 2
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0');
    number_ok && AREAS.contains(&area) && DIRECTIONS.contains(&direction)
}

/// The known region within a small edit distance, for the "did you mean" hint.
fn closest_known(region: &str) -> Option<&'static str> {
    KNOWN_REGIONS
        .iter()
        .map(|known| (edit_distance(region, known), *known))
        .filter(|(distance, _)| *distance <= 3)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// Levenshtein distance with adjacent transpositions counted as one edit, since swapped
/// letters (`wset`) are the most common typo in region names.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for (i, cell) in d.iter_mut().step_by(width).enumerate() {
        *cell = i;
    }
    for (j, cell) in d.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_pass() {
        for region in ["us-east-1", "eu-west-1", "us-gov-west-1", "cn-northwest-1"] {
            assert_eq!(check_region(region), Ok(()), "{region}");
        }
    }

    #[test]
    fn a_typo_is_named_with_a_suggestion() {
        let err = check_region("eu-wset-1").unwrap_err();
        assert!(err.contains("'eu-wset-1'"), "{err}");
        assert!(err.contains("did you mean eu-west-1?"), "{err}");
    }

    #[test]
    fn a_new_region_of_the_usual_shape_passes() {
        assert_eq!(check_region("eu-southeast-9"), Ok(()));
        assert_eq!(check_region("us-gov-central-1"), Ok(()));
    }

    #[test]
    fn nonsense_is_refused_without_a_wild_guess() {
        let err = check_region("production").unwrap_err();
        assert!(err.contains("unknown AWS region 'production'"), "{err}");
        assert!(!err.contains("did you mean"), "{err}");
        assert!(check_region("xx-east-1").is_err());
        assert!(check_region("us-east-01").is_err());
        assert!(check_region("").is_err());
    }

    #[test]
    fn transposition_is_one_edit() {
        assert_eq!(edit_distance("wset", "west"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("us-east-1", "us-east-1"), 0);
    }
}
