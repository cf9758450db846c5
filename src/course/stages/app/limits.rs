//! The limits of a site's uWSGI slots (`[app] memory_max`, `cpu_quota`, `tasks_max`): systemd's
//! MemoryMax=, CPUQuota= and TasksMax= in the unit, so one app on a shared droplet cannot take
//! the memory, the processors or the process table from the others.

use crate::refused::Refused;

/// The least memory a slot may be given: uWSGI's master and two Flask workers take ~60 MB.
const MIN_MEMORY_MB: u64 = 64;

/// `memory_max`: a whole number and a unit, `K`, `M`, `G` or `T` (systemd's own suffixes, powers
/// of 1024), at least 64M: `512M`, `1G`.
pub fn validate_memory_max(text: &str) -> Result<(), Refused> {
    let said = || -> Refused {
        format!("Give the memory as a number and a unit: 512M or 1G (\"{text}\" is not one).")
            .into()
    };
    let unit = text.chars().last().ok_or_else(said)?;
    let number = &text[..text.len() - unit.len_utf8()];
    let factor: u64 = match unit {
        'K' => 1,
        'M' => 1024,
        'G' => 1024 * 1024,
        'T' => 1024 * 1024 * 1024,
        _ => return Err(said()),
    };
    if number.is_empty() || number.len() > 9 || !number.chars().all(|c| c.is_ascii_digit()) {
        return Err(said());
    }
    let kib = number.parse::<u64>().map_err(|_| said())? * factor;
    if kib < MIN_MEMORY_MB * 1024 {
        return Err(format!(
            "At least {MIN_MEMORY_MB}M: uWSGI and its workers would not start in less."
        )
        .into());
    }
    Ok(())
}

/// `cpu_quota`: a percentage of one processor, 1% to 10000% (`100%` is one whole core, `50%`
/// half of one, `200%` two).
pub fn validate_cpu_quota(text: &str) -> Result<(), Refused> {
    let number = text.strip_suffix('%').unwrap_or_default();
    match number.parse::<u32>() {
        Ok(n) if (1..=10_000).contains(&n) && !number.starts_with('0') => Ok(()),
        _ => Err(format!(
            "Give a share of one processor with %: 100% is one core, 50% half of one (\"{text}\" \
             is not one)."
        )
        .into()),
    }
}

/// `tasks_max`: how many processes and threads the slot may run at once, 16 to 100000.
pub fn validate_tasks_max(text: &str) -> Result<(), Refused> {
    match text.parse::<u32>() {
        Ok(n) if (16..=100_000).contains(&n) && !text.starts_with('0') => Ok(()),
        _ => Err(format!(
            "Give a whole number from 16 to 100000: processes and threads the app may run at \
             once (\"{text}\" is not one)."
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_systemd_s_own_forms_within_sense() {
        for ok in ["512M", "1G", "65536K", "64M", "2T"] {
            assert_eq!(validate_memory_max(ok), Ok(()), "{ok}");
        }
        for bad in ["", "512", "512MB", "0.5G", "-1G", "M", "63M", "1g", "１G"] {
            assert!(validate_memory_max(bad).is_err(), "{bad}");
        }
        for ok in ["100%", "50%", "1%", "200%"] {
            assert_eq!(validate_cpu_quota(ok), Ok(()), "{ok}");
        }
        for bad in ["100", "0%", "050%", "10001%", "%", "1.5%", "one%"] {
            assert!(validate_cpu_quota(bad).is_err(), "{bad}");
        }
        for ok in ["16", "128", "100000"] {
            assert_eq!(validate_tasks_max(ok), Ok(()), "{ok}");
        }
        for bad in ["15", "0", "0128", "100001", "", "infinity"] {
            assert!(validate_tasks_max(bad).is_err(), "{bad}");
        }
    }
}
