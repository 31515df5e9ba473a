//! Business hours: a weekly schedule in one time zone, minus holidays, and the arithmetic SLA
//! clocks and reports need (is it open, when does it open or close, how much business time lies
//! between two instants, when will so much business time have passed).
//!
//! Local times become instants in the calendar's zone. Where a local time does not exist (the
//! spring-forward gap) it means the instant the clocks jump; where it happens twice (the
//! fall-back fold) an interval starts at the first occurrence and ends at the second, so it
//! covers every instant whose wall-clock time lies inside it. Searches walk whole days and look
//! at most [`HORIZON_DAYS`] ahead.

use std::collections::BTreeSet;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};

use crate::{Invalid, Rule};

/// How far ahead searches look (about four years): a calendar that does not open (or close)
/// within it is treated as never doing so.
pub const HORIZON_DAYS: i32 = 4 * 366;
/// Intervals per weekday; more is a mistake, not a schedule.
pub const MAX_INTERVALS: usize = 12;
/// Holidays per calendar (a few years of public holidays).
pub const MAX_HOLIDAYS: usize = 1000;

const DAY_MINUTES: u16 = 24 * 60;

/// The schedule as an administrator writes it. JSON:
/// `{"time_zone":"Europe/Moscow","weekly":{"mon":[["09:00","18:00"]]},"holidays":["2026-12-31"]}`;
/// a missing weekday is closed. The default is [`BusinessHours::always`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    pub time_zone: String,
    #[serde(default)]
    pub weekly: Weekly,
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// Open intervals per weekday as `["HH:MM","HH:MM"]` pairs; the end may be `"24:00"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Weekly {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mon: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tue: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub wed: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub thu: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fri: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sat: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sun: Vec<(String, String)>,
}

impl Weekly {
    /// Monday first, with the key each day has in JSON (and in error paths).
    fn days(&self) -> [(&'static str, &[(String, String)]); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }
}

impl Default for BusinessHours {
    fn default() -> Self {
        Self::always()
    }
}

impl BusinessHours {
    /// Open around the clock, every day, in UTC.
    pub fn always() -> Self {
        let all_day = || vec![("00:00".to_string(), "24:00".to_string())];
        BusinessHours {
            time_zone: "UTC".into(),
            weekly: Weekly {
                mon: all_day(),
                tue: all_day(),
                wed: all_day(),
                thu: all_day(),
                fri: all_day(),
                sat: all_day(),
                sun: all_day(),
            },
            holidays: Vec::new(),
        }
    }

    /// Checks every part and builds the calendar; errors name the part (`hours.time_zone`,
    /// `hours.weekly.mon[0]`, `hours.holidays[2]`).
    pub fn compile(&self) -> Result<Calendar, Invalid> {
        let name = self.time_zone.trim();
        if name.is_empty() {
            return Err(Invalid::new("hours.time_zone", Rule::Required));
        }
        let tz = TimeZone::get(name).map_err(|_| Invalid::new("hours.time_zone", Rule::InvalidChoice))?;

        let mut days: [Vec<(u16, u16)>; 7] = Default::default();
        for (slot, (key, intervals)) in days.iter_mut().zip(self.weekly.days()) {
            if intervals.len() > MAX_INTERVALS {
                return Err(Invalid::with_limit(format!("hours.weekly.{key}"), Rule::TooLong, MAX_INTERVALS));
            }
            let mut parsed = Vec::with_capacity(intervals.len());
            for (i, (start, end)) in intervals.iter().enumerate() {
                let bad = || Invalid::new(format!("hours.weekly.{key}[{i}]"), Rule::InvalidFormat);
                let start = parse_hhmm(start).filter(|&m| m < DAY_MINUTES).ok_or_else(bad)?;
                let end = parse_hhmm(end).filter(|&m| m > start).ok_or_else(bad)?;
                // Overlap with any interval listed before it; touching ones (12:00–12:00) are fine.
                if parsed.iter().any(|&(s, e, _)| start < e && s < end) {
                    return Err(bad());
                }
                parsed.push((start, end, i));
            }
            parsed.sort_unstable();
            *slot = parsed.into_iter().map(|(s, e, _)| (s, e)).collect();
        }

        if self.holidays.len() > MAX_HOLIDAYS {
            return Err(Invalid::with_limit("hours.holidays", Rule::TooLong, MAX_HOLIDAYS));
        }
        let mut holidays = BTreeSet::new();
        for (i, raw) in self.holidays.iter().enumerate() {
            let date =
                parse_date(raw).ok_or_else(|| Invalid::new(format!("hours.holidays[{i}]"), Rule::InvalidFormat))?;
            holidays.insert(date);
        }
        Ok(Calendar { tz, days, holidays })
    }
}

/// `HH:MM` with two digits each, 00:00–24:00, as minutes since midnight.
fn parse_hhmm(s: &str) -> Option<u16> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minutes = h * 60 + m;
    (m < 60 && minutes <= DAY_MINUTES).then_some(minutes)
}

/// `YYYY-MM-DD`, a real date.
fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    Date::new(s[0..4].parse().ok()?, s[5..7].parse().ok()?, s[8..10].parse().ok()?).ok()
}

/// A checked schedule, ready for arithmetic. All instants are Unix milliseconds.
#[derive(Debug, Clone)]
pub struct Calendar {
    tz: TimeZone,
    /// Monday first; sorted, non-overlapping `[start, end)` minutes since local midnight.
    days: [Vec<(u16, u16)>; 7],
    holidays: BTreeSet<Date>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self::always()
    }
}

impl Calendar {
    /// Open around the clock (the default when an inbox sets no hours).
    pub fn always() -> Self {
        Calendar { tz: TimeZone::UTC, days: std::array::from_fn(|_| vec![(0, DAY_MINUTES)]), holidays: BTreeSet::new() }
    }

    /// Whether the desk is open at `at`.
    pub fn is_open(&self, at: i64) -> bool {
        self.spans(at).next().is_some_and(|(start, _)| start <= at)
    }

    /// The first instant at or after `at` when the desk is open (`at` itself when open now);
    /// `None` when it does not open within the horizon.
    pub fn next_open(&self, at: i64) -> Option<i64> {
        self.spans(at).next().map(|(start, _)| start.max(at))
    }

    /// The first instant at or after `at` when the desk is closed (`at` itself when closed now);
    /// `None` when it stays open through the horizon (24/7).
    pub fn next_close(&self, at: i64) -> Option<i64> {
        let mut spans = self.spans(at);
        let Some((start, mut end)) = spans.next() else { return Some(at) };
        if start > at {
            return Some(at);
        }
        // Open now: follow spans that touch (a day open until 24:00, the next from 00:00).
        for (next_start, next_end) in spans.by_ref() {
            if next_start > end {
                return Some(end);
            }
            end = next_end;
        }
        (end < spans.horizon_end).then_some(end)
    }

    /// Open time in `[from, to)`, in milliseconds; 0 when `to <= from`. Counts at most the
    /// horizon past `from`.
    pub fn business_ms_between(&self, from: i64, to: i64) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        for (start, end) in self.spans(from) {
            if start >= to {
                break;
            }
            total += end.min(to) - start.max(from);
        }
        total
    }

    /// The first instant at which `ms` of open time have passed since `from` (`from` itself for
    /// `ms <= 0`). Landing exactly on a closing time gives that closing time, not the next
    /// opening. `None` when that lies beyond the horizon.
    pub fn add_business_ms(&self, from: i64, ms: i64) -> Option<i64> {
        if ms <= 0 {
            return Some(from);
        }
        let mut left = ms;
        for (start, end) in self.spans(from) {
            let start = start.max(from);
            if end - start >= left {
                return Some(start + left);
            }
            left -= end - start;
        }
        None
    }

    /// Open spans ending after `from`, in order, disjoint (they may touch). Not merged, so that
    /// a 24/7 calendar costs a day's work per day looked at, not the whole horizon.
    fn spans(&self, from: i64) -> Spans<'_> {
        // Start a day early: the previous local day may be the one whose interval covers `from`.
        let first = self.local_date(from).and_then(|d| d.yesterday().ok());
        let last = first.and_then(|d| d.checked_add(jiff::Span::new().days(HORIZON_DAYS + 1)).ok());
        let horizon_end = last.and_then(|d| self.instant(d, DAY_MINUTES, false)).unwrap_or(i64::MIN);
        Spans { cal: self, from, next_day: first, last, today: Vec::new(), idx: 0, last_end: i64::MIN, horizon_end }
    }

    fn local_date(&self, at: i64) -> Option<Date> {
        Timestamp::from_millisecond(at).ok().map(|ts| self.tz.to_datetime(ts).date())
    }

    /// The instant of local `date` + `minute` (up to 24:00 = next midnight). In a gap: the instant
    /// the clocks jump. In a fold: the first occurrence, or the second for an interval's end.
    fn instant(&self, date: Date, minute: u16, is_end: bool) -> Option<i64> {
        let (date, minute) =
            if minute >= DAY_MINUTES { (date.tomorrow().ok()?, minute - DAY_MINUTES) } else { (date, minute) };
        let dt = date.to_datetime(Time::new((minute / 60) as i8, (minute % 60) as i8, 0, 0).ok()?);
        let ts = match self.tz.to_ambiguous_timestamp(dt).offset() {
            AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(dt).ok()?,
            AmbiguousOffset::Fold { before, after } => (if is_end { after } else { before }).to_timestamp(dt).ok()?,
            AmbiguousOffset::Gap { after, .. } => {
                // Read with the later offset, the wall time lands just before the jump.
                let before_jump = after.to_timestamp(dt).ok()?;
                self.tz.following(before_jump).next()?.timestamp()
            }
        };
        Some(ts.as_millisecond())
    }

    /// The open intervals of one local day as instants; none on a holiday.
    fn day_spans(&self, date: Date, out: &mut Vec<(i64, i64)>) {
        out.clear();
        if self.holidays.contains(&date) {
            return;
        }
        let weekday = date.weekday().to_monday_zero_offset() as usize;
        for &(start, end) in &self.days[weekday] {
            if let (Some(s), Some(e)) = (self.instant(date, start, false), self.instant(date, end, true))
                && e > s
            {
                out.push((s, e));
            }
        }
    }
}

/// Walks the calendar a day at a time.
struct Spans<'a> {
    cal: &'a Calendar,
    from: i64,
    next_day: Option<Date>,
    last: Option<Date>,
    today: Vec<(i64, i64)>,
    idx: usize,
    /// The end of the span yielded last: a span may not start before it (where midnight falls
    /// in a fold, one day's 24:00 comes after the next day's 00:00).
    last_end: i64,
    /// Midnight after the last day walked: a span reaching it may go on beyond what was seen.
    horizon_end: i64,
}

impl Iterator for Spans<'_> {
    type Item = (i64, i64);

    fn next(&mut self) -> Option<(i64, i64)> {
        loop {
            let Some(&(start, end)) = self.today.get(self.idx) else {
                let day = self.next_day.filter(|d| Some(*d) <= self.last)?;
                self.cal.day_spans(day, &mut self.today);
                self.idx = 0;
                self.next_day = day.tomorrow().ok();
                continue;
            };
            self.idx += 1;
            let start = start.max(self.last_end);
            if end > start && end > self.from {
                self.last_end = end;
                return Some((start, end));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix ms of a wall-clock time in a zone, e.g. `at("Europe/Berlin", "2026-03-30T09:00")`.
    fn at(tz: &str, local: &str) -> i64 {
        let dt: jiff::civil::DateTime = local.parse().unwrap();
        TimeZone::get(tz).unwrap().to_ambiguous_timestamp(dt).compatible().unwrap().as_millisecond()
    }

    fn cal(json: &str) -> Calendar {
        serde_json::from_str::<BusinessHours>(json).unwrap().compile().unwrap()
    }

    const H: i64 = 3_600_000;
    const M: i64 = 60_000;

    /// Mon–Fri 09:00–13:00 and 14:00–18:00 in Moscow (no DST), New Year's Eve off.
    fn office() -> Calendar {
        cal(r#"{"time_zone":"Europe/Moscow","weekly":{
            "mon":[["09:00","13:00"],["14:00","18:00"]],"tue":[["09:00","13:00"],["14:00","18:00"]],
            "wed":[["09:00","13:00"],["14:00","18:00"]],"thu":[["09:00","13:00"],["14:00","18:00"]],
            "fri":[["09:00","13:00"],["14:00","18:00"]]},"holidays":["2026-12-31"]}"#)
    }

    #[test]
    fn validation_names_the_part_and_the_rule() {
        let cases: &[(&str, &str, Rule)] = &[
            (r#"{"time_zone":""}"#, "hours.time_zone", Rule::Required),
            (r#"{"time_zone":"Mars/Olympus"}"#, "hours.time_zone", Rule::InvalidChoice),
            (r#"{"time_zone":"UTC","weekly":{"mon":[["9:00","18:00"]]}}"#, "hours.weekly.mon[0]", Rule::InvalidFormat),
            (r#"{"time_zone":"UTC","weekly":{"tue":[["09:00","24:01"]]}}"#, "hours.weekly.tue[0]", Rule::InvalidFormat),
            (r#"{"time_zone":"UTC","weekly":{"wed":[["24:00","24:00"]]}}"#, "hours.weekly.wed[0]", Rule::InvalidFormat),
            (r#"{"time_zone":"UTC","weekly":{"thu":[["18:00","09:00"]]}}"#, "hours.weekly.thu[0]", Rule::InvalidFormat),
            (r#"{"time_zone":"UTC","weekly":{"fri":[["09:00","09:00"]]}}"#, "hours.weekly.fri[0]", Rule::InvalidFormat),
            (r#"{"time_zone":"UTC","weekly":{"sat":[["09:60","10:00"]]}}"#, "hours.weekly.sat[0]", Rule::InvalidFormat),
            (
                r#"{"time_zone":"UTC","weekly":{"sun":[["12:00","14:00"],["09:00","12:30"]]}}"#,
                "hours.weekly.sun[1]",
                Rule::InvalidFormat,
            ),
            (r#"{"time_zone":"UTC","holidays":["2026-01-01","2026-1-2"]}"#, "hours.holidays[1]", Rule::InvalidFormat),
            (
                r#"{"time_zone":"UTC","holidays":["2026-01-01","2026-02-02","2026-02-30"]}"#,
                "hours.holidays[2]",
                Rule::InvalidFormat,
            ),
        ];
        for (json, field, rule) in cases {
            let e = serde_json::from_str::<BusinessHours>(json).unwrap().compile().unwrap_err();
            assert_eq!((e.field.as_ref(), e.rule), (*field, *rule), "{json}");
        }
        let many = BusinessHours {
            weekly: Weekly { mon: vec![("09:00".into(), "10:00".into()); MAX_INTERVALS + 1], ..Weekly::default() },
            ..BusinessHours::always()
        };
        let e = many.compile().unwrap_err();
        assert_eq!((e.field.as_ref(), e.rule, e.limit), ("hours.weekly.mon", Rule::TooLong, MAX_INTERVALS));
        // Touching intervals are allowed, an unknown weekday is a decoding error.
        cal(r#"{"time_zone":"UTC","weekly":{"mon":[["12:00","18:00"],["09:00","12:00"]]}}"#);
        assert!(serde_json::from_str::<BusinessHours>(r#"{"time_zone":"UTC","weekly":{"mo":[]}}"#).is_err());
    }

    #[test]
    fn json_shape_round_trips_and_default_is_always_open() {
        let hours: BusinessHours = serde_json::from_str(
            r#"{"time_zone":"Europe/Moscow","weekly":{"mon":[["09:00","18:00"]]},"holidays":["2026-12-31"]}"#,
        )
        .unwrap();
        let json = serde_json::to_value(&hours).unwrap();
        assert_eq!(json["weekly"], serde_json::json!({"mon": [["09:00", "18:00"]]}));
        assert_eq!(serde_json::from_value::<BusinessHours>(json).unwrap(), hours);
        assert_eq!(BusinessHours::default(), BusinessHours::always());
        let always = BusinessHours::always().compile().unwrap();
        for t in [0, at("UTC", "2026-07-04T03:17"), at("UTC", "2030-12-31T23:59:59")] {
            assert!(always.is_open(t));
            assert_eq!(always.next_open(t), Some(t));
            assert_eq!(always.next_close(t), None, "open through the horizon");
            assert_eq!(always.business_ms_between(t, t + 50 * H), 50 * H);
            assert_eq!(always.add_business_ms(t, 1000 * H), Some(t + 1000 * H));
            assert_eq!(Calendar::always().add_business_ms(t, 7 * H), Some(t + 7 * H));
        }
    }

    #[test]
    fn open_close_and_next_times() {
        let c = office();
        let z = "Europe/Moscow";
        // (now, is_open, next_open, next_close); 2026-03-13 is a Friday.
        let cases = [
            ("2026-03-13T08:59", false, "2026-03-13T09:00", "2026-03-13T08:59"),
            ("2026-03-13T09:00", true, "2026-03-13T09:00", "2026-03-13T13:00"),
            ("2026-03-13T12:59", true, "2026-03-13T12:59", "2026-03-13T13:00"),
            ("2026-03-13T13:00", false, "2026-03-13T14:00", "2026-03-13T13:00"),
            ("2026-03-13T18:00", false, "2026-03-16T09:00", "2026-03-13T18:00"),
            ("2026-03-14T11:00", false, "2026-03-16T09:00", "2026-03-14T11:00"),
            ("2026-12-30T17:00", true, "2026-12-30T17:00", "2026-12-30T18:00"),
            ("2026-12-30T18:30", false, "2027-01-01T09:00", "2026-12-30T18:30"),
            ("2026-12-31T10:00", false, "2027-01-01T09:00", "2026-12-31T10:00"),
        ];
        for (now, open, next_open, next_close) in cases {
            let t = at(z, now);
            assert_eq!(c.is_open(t), open, "{now}");
            assert_eq!(c.next_open(t), Some(at(z, next_open)), "{now}");
            assert_eq!(c.next_close(t), Some(at(z, next_close)), "{now}");
        }
        let closed = cal(r#"{"time_zone":"UTC"}"#);
        assert!(!closed.is_open(0));
        assert_eq!((closed.next_open(0), closed.next_close(0)), (None, Some(0)));
        assert_eq!(closed.add_business_ms(0, 1), None);
        assert_eq!(closed.business_ms_between(0, 100 * H), 0);
    }

    #[test]
    fn business_time_between_and_after() {
        let c = office();
        let z = "Europe/Moscow";
        // (from, to, business time between)
        let cases = [
            ("2026-03-13T10:00", "2026-03-13T10:00", 0),
            ("2026-03-13T10:00", "2026-03-13T09:00", 0),
            ("2026-03-13T10:00", "2026-03-13T12:30", 150 * M),
            ("2026-03-13T12:00", "2026-03-13T15:00", 2 * H),
            ("2026-03-13T07:00", "2026-03-13T20:00", 8 * H),
            ("2026-03-13T17:00", "2026-03-16T10:00", 2 * H),
            ("2026-03-09T00:00", "2026-03-16T00:00", 40 * H),
            ("2026-12-30T17:00", "2027-01-01T10:00", 2 * H),
        ];
        for (from, to, ms) in cases {
            assert_eq!(c.business_ms_between(at(z, from), at(z, to)), ms, "{from} → {to}");
        }
        // (from, business time to add, lands at)
        let cases = [
            ("2026-03-13T10:00", 0, "2026-03-13T10:00"),
            ("2026-03-13T10:00", 3 * H, "2026-03-13T13:00"),
            ("2026-03-13T17:30", H, "2026-03-16T09:30"),
            ("2026-03-14T12:00", 30 * M, "2026-03-16T09:30"),
            ("2026-03-13T09:00", 40 * H, "2026-03-19T18:00"),
            ("2026-12-30T17:00", 2 * H, "2027-01-01T10:00"),
        ];
        for (from, ms, lands) in cases {
            assert_eq!(c.add_business_ms(at(z, from), ms), Some(at(z, lands)), "{from} + {ms}");
        }
        // One millisecond past the lunch break's start lands one past its end.
        assert_eq!(c.add_business_ms(at(z, "2026-03-13T10:00"), 3 * H + 1), Some(at(z, "2026-03-13T14:00") + 1));
    }

    #[test]
    fn daylight_saving_changes() {
        // Berlin springs forward on 2026-03-29 at 02:00 → 03:00; New York falls back on
        // 2026-11-01 at 02:00 EDT → 01:00 EST.
        let b = "Europe/Berlin";
        let berlin =
            cal(r#"{"time_zone":"Europe/Berlin","weekly":{"sun":[["00:00","24:00"]],"mon":[["09:00","17:00"]]}}"#);
        assert_eq!(berlin.business_ms_between(at(b, "2026-03-29T00:00"), at(b, "2026-03-30T00:00")), 23 * H);
        assert_eq!(berlin.business_ms_between(at(b, "2026-03-22T00:00"), at(b, "2026-03-23T00:00")), 24 * H);
        // 09:00–17:00 is 8 hours on either side of the change, in different UTC offsets.
        assert_eq!(berlin.next_open(at(b, "2026-03-27T12:00")), Some(at(b, "2026-03-29T00:00")));
        assert_eq!(berlin.add_business_ms(at(b, "2026-03-29T23:00"), 2 * H), Some(at(b, "2026-03-30T10:00")));
        assert_eq!(at(b, "2026-03-30T09:00") - at(b, "2026-03-23T09:00"), 7 * 24 * H - H);
        // A schedule that starts inside the gap opens when the clocks jump.
        let gap = cal(r#"{"time_zone":"Europe/Berlin","weekly":{"sun":[["02:30","04:00"]]}}"#);
        assert_eq!(gap.next_open(at(b, "2026-03-29T00:00")), Some(at(b, "2026-03-29T03:00")));
        assert_eq!(gap.business_ms_between(at(b, "2026-03-29T00:00"), at(b, "2026-03-30T00:00")), H);

        let n = "America/New_York";
        let ny =
            cal(r#"{"time_zone":"America/New_York","weekly":{"sun":[["00:00","24:00"]],"mon":[["09:00","17:00"]]}}"#);
        let sunday = at(n, "2026-11-01T00:00");
        assert_eq!(ny.business_ms_between(sunday, sunday + 48 * H), 25 * H + 8 * H);
        assert_eq!(ny.next_close(sunday), Some(at(n, "2026-11-02T00:00")));
        assert_eq!(ny.add_business_ms(sunday, 26 * H), Some(at(n, "2026-11-02T10:00")));
        // An interval inside the repeated hour covers both occurrences: 01:00 EDT to 01:30 EST.
        let fold = cal(r#"{"time_zone":"America/New_York","weekly":{"sun":[["01:00","01:30"]]}}"#);
        assert_eq!(fold.business_ms_between(sunday, sunday + 24 * H), 90 * M);
        // 9-to-5 after the change is 14:00–22:00 UTC, not 13:00–21:00.
        assert!(ny.is_open(at("UTC", "2026-11-02T21:30")));
        assert!(!ny.is_open(at("UTC", "2026-11-02T13:30")));
    }

    #[test]
    fn adding_what_lies_between_lands_back_at_the_end() {
        let calendars = [
            office(),
            cal(
                r#"{"time_zone":"America/New_York","weekly":{"sun":[["00:00","24:00"]],"mon":[["00:00","02:00"],["09:00","17:00"]],"thu":[["22:00","24:00"]],"fri":[["00:00","06:00"]]}}"#,
            ),
            cal(
                r#"{"time_zone":"Europe/Berlin","weekly":{"sat":[["01:00","03:30"]],"sun":[["01:30","02:45"],["23:00","24:00"]]},"holidays":["2026-04-05"]}"#,
            ),
        ];
        let start = at("UTC", "2026-03-01T00:00");
        // A deterministic spread of instants over ten months, at odd minutes.
        let points: Vec<i64> = (0..400).map(|i| start + i * 17 * H + (i * i % 997) * M + i * 7).collect();
        for c in &calendars {
            for pair in points.windows(3) {
                let (from, to) = (pair[0], pair[2]);
                let between = c.business_ms_between(from, to);
                assert!(between >= 0 && between <= to - from);
                let back = c.add_business_ms(from, between).unwrap();
                assert!(back <= to, "{from} {to}");
                assert_eq!(c.business_ms_between(back, to), 0, "no open time left between {back} and {to}");
                if between > 0 {
                    assert_eq!(c.business_ms_between(from, back), between);
                    assert!(c.is_open(back - 1), "lands inside an open span or at its end");
                }
                if c.is_open(to - 1) && between > 0 {
                    assert_eq!(back, to);
                }
                // next_open/next_close agree with is_open.
                let t = pair[1];
                assert_eq!(c.is_open(t), c.business_ms_between(t, t + 1) == 1);
                let open = c.next_open(t).unwrap();
                assert!(c.is_open(open) && (open == t || !c.is_open(open - 1)));
                let close = c.next_close(t).unwrap();
                assert!(!c.is_open(close) && (close == t || c.is_open(close - 1)));
            }
        }
    }

    #[test]
    fn searches_are_bounded() {
        let sparse = cal(r#"{"time_zone":"UTC","weekly":{"mon":[["00:00","00:01"]]}}"#);
        let t = at("UTC", "2026-01-01T00:00");
        // One minute a week: ~209 minutes in four years, so 1000 minutes is beyond the horizon.
        assert_eq!(sparse.add_business_ms(t, 1000 * M), None);
        assert_eq!(sparse.add_business_ms(t, 100 * M).map(|x| x > t), Some(true));
        assert!(!sparse.is_open(i64::MAX) && sparse.next_open(i64::MIN).is_none());
    }
}
