//! Task-level cpu and memory as RegisterTaskDefinition takes them: strings holding CPU
//! units ("256") or vCPUs ("0.25 vCPU"), and MiB ("512") or GB ("0.5 GB"); AWS converts
//! the second forms to the first (1 vCPU = 1024 units, 1 GB = 1024 MiB) on registration.
//! Also the Fargate table of cpu and memory pairs.

/// The CPU values Fargate offers, in CPU units.
pub const FARGATE_CPU: [u64; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// Parses task-level cpu into CPU units.
pub fn parse_cpu(text: &str) -> Result<u64, String> {
    parse_with_unit(text, &["vcpu"]).map_err(|why| {
        format!(
            "{why}: give CPU units as a whole number (\"256\", \"1024\") or vCPUs (\"0.25 vCPU\", \"1 vCPU\")"
        )
    })
}

/// Parses task-level memory into MiB.
pub fn parse_memory(text: &str) -> Result<u64, String> {
    parse_with_unit(text, &["gb"]).map_err(|why| {
        format!("{why}: give MiB as a whole number (\"512\", \"2048\") or GB (\"0.5 GB\", \"2GB\")")
    })
}

/// A whole number as is, or a decimal followed by one of `units` (any case, optional
/// space) times 1024, which must come out whole.
fn parse_with_unit(text: &str, units: &[&str]) -> Result<u64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("the value is empty".into());
    }
    let lower = trimmed.to_ascii_lowercase();
    let (number, scaled) = match units.iter().find(|u| lower.ends_with(*u)) {
        Some(unit) => (lower[..lower.len() - unit.len()].trim_end(), true),
        None => (lower.as_str(), false),
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty()
        || !digits_only(whole)
        || !digits_only(fraction)
        || (!scaled && number.contains('.'))
    {
        return Err(format!("{trimmed:?} is not a size AWS accepts"));
    }
    // Long digit strings would overflow; no real size has more than a dozen digits.
    if whole.len() + fraction.len() > 15 {
        return Err(format!("{trimmed:?} is too large"));
    }
    let mantissa: u64 = format!("{whole}{fraction}").parse().unwrap_or(0);
    if !scaled {
        return Ok(mantissa);
    }
    let divisor = 10u64.pow(fraction.len() as u32);
    let product = mantissa * 1024;
    if !product.is_multiple_of(divisor) {
        return Err(format!(
            "{trimmed:?} is not a whole number of units once converted (x1024)"
        ));
    }
    Ok(product / divisor)
}

/// The memory sizes (MiB) Fargate offers with a CPU value, or None for a CPU value it
/// does not offer.
pub fn fargate_memory_options(cpu: u64) -> Option<Vec<u64>> {
    let gib = |n: u64| n * 1024;
    let steps = |from: u64, to: u64, step: u64| (from..=to).step_by(step as usize).collect();
    Some(match cpu {
        256 => vec![512, 1024, 2048],
        512 => steps(gib(1), gib(4), 1024),
        1024 => steps(gib(2), gib(8), 1024),
        2048 => steps(gib(4), gib(16), 1024),
        4096 => steps(gib(8), gib(30), 1024),
        8192 => steps(gib(16), gib(60), gib(4)),
        16384 => steps(gib(32), gib(120), gib(8)),
        _ => return None,
    })
}

/// The memory choices for a Fargate CPU value, in words (`"1024 to 4096 MiB in steps of
/// 1024"`).
pub fn describe_options(options: &[u64]) -> String {
    match options {
        [] => String::new(),
        [a, b, c] if a.abs_diff(*b) != b.abs_diff(*c) => format!("{a}, {b} or {c} MiB"),
        [first, second, .., last] => format!(
            "{first} to {last} MiB in steps of {}",
            second.abs_diff(*first)
        ),
        [first, second] => format!("{first} or {second} MiB"),
        [only] => format!("{only} MiB"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_takes_units_and_vcpus() {
        assert_eq!(parse_cpu("256"), Ok(256));
        assert_eq!(parse_cpu(" 1024 "), Ok(1024));
        assert_eq!(parse_cpu("1 vCPU"), Ok(1024));
        assert_eq!(parse_cpu("1vcpu"), Ok(1024));
        assert_eq!(parse_cpu("0.25 vCPU"), Ok(256));
        assert_eq!(parse_cpu(".5 VCPU"), Ok(512));
        assert_eq!(parse_cpu("16 vCPU"), Ok(16384));
        for bad in [
            "",
            "vCPU",
            "abc",
            "1.5",
            "-256",
            "1 GB",
            "0.1 vCPU",
            "1e3",
            "256 units",
            "1..2 vCPU",
        ] {
            let e = parse_cpu(bad).unwrap_err();
            assert!(e.contains("vCPU"), "{bad}: {e}");
        }
        assert!(
            parse_cpu("9999999999999999999999")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn memory_takes_mib_and_gb() {
        assert_eq!(parse_memory("512"), Ok(512));
        assert_eq!(parse_memory("1 GB"), Ok(1024));
        assert_eq!(parse_memory("0.5GB"), Ok(512));
        assert_eq!(parse_memory("2 gb"), Ok(2048));
        assert_eq!(parse_memory("120 GB"), Ok(122_880));
        for bad in ["", "GB", "512 MiB", "0.3 GB", "1,024", "1.5"] {
            let e = parse_memory(bad).unwrap_err();
            assert!(e.contains("MiB"), "{bad}: {e}");
        }
    }

    #[test]
    fn fargate_table_matches_the_published_pairs() {
        assert_eq!(fargate_memory_options(256), Some(vec![512, 1024, 2048]));
        assert_eq!(
            fargate_memory_options(512),
            Some(vec![1024, 2048, 3072, 4096])
        );
        let o = fargate_memory_options(1024).unwrap();
        assert_eq!((o[0], *o.last().unwrap(), o.len()), (2048, 8192, 7));
        let o = fargate_memory_options(2048).unwrap();
        assert_eq!((o[0], *o.last().unwrap(), o.len()), (4096, 16384, 13));
        let o = fargate_memory_options(4096).unwrap();
        assert_eq!((o[0], *o.last().unwrap(), o.len()), (8192, 30720, 23));
        let o = fargate_memory_options(8192).unwrap();
        assert_eq!((o[0], o[1], *o.last().unwrap()), (16384, 20480, 61440));
        let o = fargate_memory_options(16384).unwrap();
        assert_eq!((o[0], o[1], *o.last().unwrap()), (32768, 40960, 122_880));
        for cpu in FARGATE_CPU {
            assert!(fargate_memory_options(cpu).is_some());
        }
        assert_eq!(fargate_memory_options(128), None);
        assert_eq!(fargate_memory_options(3072), None);
    }

    #[test]
    fn options_read_naturally() {
        assert_eq!(
            describe_options(&[512, 1024, 2048]),
            "512, 1024 or 2048 MiB"
        );
        assert_eq!(
            describe_options(&fargate_memory_options(512).unwrap()),
            "1024 to 4096 MiB in steps of 1024"
        );
        assert_eq!(
            describe_options(&fargate_memory_options(8192).unwrap()),
            "16384 to 61440 MiB in steps of 4096"
        );
    }
}
