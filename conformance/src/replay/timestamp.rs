//! RFC 3339 timestamps (`2026-12-03T08:00:01.250Z`, `2026-12-03T10:00:01+02:00`) as
//! milliseconds since the Unix epoch, for logs that carry wall-clock times.
//!
//! Source: RFC 3339, section 5.6 (`date-time`). Written here rather than pulled from a
//! date crate because replay needs this one conversion and nothing else. Left out: leap
//! seconds (`:60` is refused), dates before 1970, and fractions finer than a millisecond
//! (they are truncated, which keeps order).

/// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after Howard
/// Hinnant's `days_from_civil`.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn number(text: &str, what: &str, low: u32, high: u32) -> Result<u32, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{what} `{text}` is not a number"));
    }
    let n: u32 = text
        .parse()
        .map_err(|_| format!("{what} `{text}` is too large"))?;
    if n < low || n > high {
        return Err(format!("{what} {n} is outside {low}..={high}"));
    }
    Ok(n)
}

/// Milliseconds since 1970-01-01T00:00:00Z.
pub fn parse_rfc3339_ms(text: &str) -> Result<u64, String> {
    const FORM: &str = "expected RFC 3339, e.g. 2026-12-03T08:00:01.250Z";
    let bytes = text.as_bytes();
    if bytes.len() < 20 || !text.is_ascii() {
        return Err(FORM.into());
    }
    let sep = |i: usize, c: &[u8]| c.contains(&bytes[i]);
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return Err(FORM.into());
    }
    let year = number(&text[0..4], "year", 1970, 9999)?;
    let month = number(&text[5..7], "month", 1, 12)?;
    let days_in_month = match month {
        2 if is_leap(i64::from(year)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let day = number(&text[8..10], "day", 1, days_in_month)?;
    let hour = number(&text[11..13], "hour", 0, 23)?;
    let minute = number(&text[14..16], "minute", 0, 59)?;
    let second = number(&text[17..19], "second", 0, 59)?;
    let mut rest = &text[19..];
    let mut millis = 0u64;
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err("a `.` with no fraction digits".into());
        }
        // Milliseconds from the first three digits; finer digits are truncated.
        for (i, b) in fraction.bytes().take(3).enumerate() {
            if b.is_ascii_digit() {
                millis += u64::from(b - b'0') * [100, 10, 1][i];
            }
        }
        rest = &fraction[digits..];
    }
    let offset_minutes: i64 = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && &rest[3..4] == ":" =>
        {
            let h = number(&rest[1..3], "offset hour", 0, 23)?;
            let m = number(&rest[4..6], "offset minute", 0, 59)?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * i64::from(h * 60 + m)
        }
        _ => return Err(format!("time zone `{rest}`: {FORM}")),
    };
    let days = days_from_civil(i64::from(year), month, day);
    let seconds =
        days * 86_400 + i64::from(hour * 3600 + minute * 60 + second) - offset_minutes * 60;
    if seconds < 0 {
        return Err("before 1970-01-01T00:00:00Z".into());
    }
    Ok(seconds as u64 * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::parse_rfc3339_ms as p;

    #[test]
    fn known_instants() {
        // 1,764,748,801,250 ms: 2025-12-03T08:00:01.250Z, checked with `date -u -d @1764748801`.
        assert_eq!(p("2025-12-03T08:00:01.250Z"), Ok(1_764_748_801_250));
        assert_eq!(p("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(p("1970-01-01T02:00:00+02:00"), Ok(0));
        assert_eq!(p("2000-02-29T00:00:00.1239Z"), Ok(951_782_400_123));
        assert_eq!(p("1970-01-01 00:00:01z"), Ok(1000));
    }

    #[test]
    fn malformed_instants_say_why() {
        for (text, why) in [
            ("2025-02-29T00:00:00Z", "day 29"),
            ("2025-13-01T00:00:00Z", "month 13"),
            ("2025-01-01T00:00:60Z", "second 60"),
            ("2025-01-01T00:00:00", "expected RFC 3339"),
            ("2025-01-01T00:00:00.Z", "no fraction digits"),
            ("2025-01-01T00:00:00+0200", "time zone"),
            ("1970-01-01T00:00:00+01:00", "before 1970"),
        ] {
            let e = p(text).unwrap_err();
            assert!(e.contains(why), "{text}: {e}");
        }
    }
}
