//! SLA targets and their clocks. A clock counts business time (see [`Calendar`]) and stops while
//! the conversation is pending or snoozed (`Paused` … `Resumed`). Definitions:
//!
//! - **First response**: from `Created` — or from `HandedOver` when a bot had the conversation
//!   first — to the first `AgentReply`.
//! - **Next response**: from the customer's first message after an agent reply (the message
//!   that went unanswered) to the next `AgentReply`. The clock shown is that of the latest such
//!   wait; earlier ones are in [`crate::report`].
//! - **Resolution**: from `Created` to `Resolved`; `Reopened` restarts it from the reopening.
//!
//! Resolving a conversation settles a response still owed: that clock becomes `NotApplicable`.
//! A clock is breached from its due instant on, so a reply at the due instant is late.
//! Evaluation is a pure function of the policy, the calendar, the events and `now`; it also says
//! when the answer would next change, so the server keeps one timer per conversation.

use serde::{Deserialize, Serialize};

use crate::hours::Calendar;
use crate::timeline::{self, Event, Run, WaitEnd, WaitKind};
use crate::{Invalid, Rule};

/// The longest target: a year of minutes.
pub const MAX_TARGET_MINS: u32 = 366 * 24 * 60;

const fn default_warn_pct() -> u8 {
    80
}

/// An inbox's targets, in business minutes; `None` means no target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    #[serde(default)]
    pub first_response_mins: Option<u32>,
    #[serde(default)]
    pub next_response_mins: Option<u32>,
    #[serde(default)]
    pub resolution_mins: Option<u32>,
    /// Warn when this share of a target is used up (80 = at 80 %); 0 never warns.
    #[serde(default = "default_warn_pct")]
    pub warn_before_pct: u8,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            first_response_mins: None,
            next_response_mins: None,
            resolution_mins: None,
            warn_before_pct: default_warn_pct(),
        }
    }
}

impl SlaPolicy {
    /// Targets are 1..=[`MAX_TARGET_MINS`] minutes, the warning share 0..=99 %.
    pub fn validate(&self) -> Result<(), Invalid> {
        let targets = [
            ("sla.first_response_mins", self.first_response_mins),
            ("sla.next_response_mins", self.next_response_mins),
            ("sla.resolution_mins", self.resolution_mins),
        ];
        for (field, mins) in targets {
            if mins.is_some_and(|m| m == 0 || m > MAX_TARGET_MINS) {
                return Err(Invalid::with_limit(field, Rule::InvalidChoice, MAX_TARGET_MINS as usize));
            }
        }
        if self.warn_before_pct > 99 {
            return Err(Invalid::with_limit("sla.warn_before_pct", Rule::InvalidChoice, 99));
        }
        Ok(())
    }
}

/// Where a clock stands at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// Running, within the target.
    Ok,
    /// Running, past the warning share of the target.
    Warning,
    /// Past due, answered or not.
    Breached,
    /// Stopped before it was due.
    Met,
    /// No target, nothing owed, or the conversation was resolved first.
    NotApplicable,
}

/// One target's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub state: SlaState,
    pub started_at: Option<i64>,
    /// When the target is (or was) due; `None` while the clock is stopped by a pause before it
    /// came due, or when the calendar does not open in time.
    pub due_at: Option<i64>,
    /// When the warning share is used up, as `due_at`.
    pub warn_at: Option<i64>,
    pub stopped_at: Option<i64>,
    /// Whether the clock stopped before it was due; `None` while it runs.
    pub met: Option<bool>,
    /// Business time counted until the stop or `now`, pauses excluded.
    pub elapsed_ms: i64,
    /// The next instant after `now` at which `state` changes by itself.
    pub next_change_at: Option<i64>,
}

impl Clock {
    const NOT_APPLICABLE: Clock = Clock {
        state: SlaState::NotApplicable,
        started_at: None,
        due_at: None,
        warn_at: None,
        stopped_at: None,
        met: None,
        elapsed_ms: 0,
        next_change_at: None,
    };
}

/// All clocks of a conversation at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SlaStatus {
    pub first_response: Clock,
    pub next_response: Clock,
    pub resolution: Clock,
}

impl SlaStatus {
    /// The earliest instant at which any clock changes state: the one timer to set.
    pub fn next_change_at(&self) -> Option<i64> {
        self.clocks().iter().filter_map(|c| c.next_change_at).min()
    }
    /// The most urgent state among the clocks (for a queue badge).
    pub fn worst(&self) -> SlaState {
        let rank = |s: SlaState| match s {
            SlaState::Breached => 4,
            SlaState::Warning => 3,
            SlaState::Ok => 2,
            SlaState::Met => 1,
            SlaState::NotApplicable => 0,
        };
        self.clocks().iter().map(|c| c.state).max_by_key(|&s| rank(s)).unwrap_or(SlaState::NotApplicable)
    }
    fn clocks(&self) -> [Clock; 3] {
        [self.first_response, self.next_response, self.resolution]
    }
}

/// The clocks at `now`, from the events up to `now` (later ones are ignored).
pub fn evaluate(policy: &SlaPolicy, calendar: &Calendar, events: &[Event], now: i64) -> SlaStatus {
    let past: Vec<Event> = events.iter().copied().filter(|e| e.at <= now).collect();
    let reading = timeline::read(&past);
    let response = |kind: WaitKind| {
        let wait = reading.waits.iter().rev().find(|w| w.kind == kind)?;
        match wait.end {
            WaitEnd::Open => Some(Run { start: wait.start, stop: None }),
            WaitEnd::Answered(at) => Some(Run { start: wait.start, stop: Some(at) }),
            WaitEnd::Cancelled => None,
        }
    };
    let clock = |mins: Option<u32>, run: Option<Run>| match (mins, run) {
        (Some(mins), Some(run)) => {
            run_clock(calendar, &reading.pauses, run, i64::from(mins) * 60_000, policy.warn_before_pct, now)
        }
        _ => Clock::NOT_APPLICABLE,
    };
    SlaStatus {
        first_response: clock(policy.first_response_mins, response(WaitKind::First)),
        next_response: clock(policy.next_response_mins, response(WaitKind::Next)),
        resolution: clock(policy.resolution_mins, reading.resolution),
    }
}

fn run_clock(cal: &Calendar, pauses: &[(i64, Option<i64>)], run: Run, target_ms: i64, warn_pct: u8, now: i64) -> Clock {
    // Only pauses within the run count; one still going on at the stop ends there.
    let until = run.stop.unwrap_or(i64::MAX);
    let pauses: Vec<(i64, Option<i64>)> = pauses
        .iter()
        .filter(|&&(start, end)| start < until && end.is_none_or(|e| e > run.start))
        .map(|&(start, end)| (start, end.map(|e| e.min(until)).or(run.stop)))
        .collect();
    let due_at = reach(cal, run.start, &pauses, target_ms);
    let warn_at =
        (warn_pct > 0).then(|| reach(cal, run.start, &pauses, target_ms * i64::from(warn_pct) / 100)).flatten();
    let elapsed_ms = elapsed(cal, run.start, &pauses, run.stop.unwrap_or(now));
    let (state, next_change_at) = match run.stop {
        Some(_) if elapsed_ms < target_ms => (SlaState::Met, None),
        Some(_) => (SlaState::Breached, None),
        None if due_at.is_some_and(|d| d <= now) => (SlaState::Breached, None),
        None if warn_at.is_some_and(|w| w <= now) => (SlaState::Warning, due_at),
        None => (SlaState::Ok, warn_at.or(due_at)),
    };
    Clock {
        state,
        started_at: Some(run.start),
        due_at,
        warn_at,
        stopped_at: run.stop,
        met: run.stop.map(|_| state == SlaState::Met),
        elapsed_ms,
        next_change_at,
    }
}

/// The first instant at which `amount` of unpaused business time has passed since `start`;
/// `None` if a pause still going on freezes the clock first.
fn reach(cal: &Calendar, start: i64, pauses: &[(i64, Option<i64>)], amount: i64) -> Option<i64> {
    let (mut t, mut left) = (start, amount);
    for &(pause_start, pause_end) in pauses {
        if pause_start > t {
            let running = cal.business_ms_between(t, pause_start);
            if running >= left {
                return cal.add_business_ms(t, left);
            }
            left -= running;
        }
        t = t.max(pause_end?);
    }
    cal.add_business_ms(t, left)
}

/// Unpaused business time in `[start, t)`.
fn elapsed(cal: &Calendar, start: i64, pauses: &[(i64, Option<i64>)], t: i64) -> i64 {
    let paused: i64 =
        pauses.iter().map(|&(ps, pe)| cal.business_ms_between(ps.max(start), pe.unwrap_or(t).min(t))).sum();
    cal.business_ms_between(start, t) - paused
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::BusinessHours;
    use crate::timeline::EventKind::{self, *};
    use SlaState::*;

    const M: i64 = 60_000;
    const H: i64 = 60 * M;

    fn events(list: &[(i64, EventKind)]) -> Vec<Event> {
        list.iter().map(|&(at, kind)| Event::new(at, kind)).collect()
    }

    fn policy(first: u32, next: u32, resolution: u32) -> SlaPolicy {
        SlaPolicy {
            first_response_mins: Some(first),
            next_response_mins: Some(next),
            resolution_mins: Some(resolution),
            ..SlaPolicy::default()
        }
    }

    /// 2026-03-16 is a Monday; the office is open 09:00–18:00 UTC on weekdays.
    fn office() -> (Calendar, i64) {
        let hours: BusinessHours = serde_json::from_str(
            r#"{"time_zone":"UTC","weekly":{"mon":[["09:00","18:00"]],"tue":[["09:00","18:00"]],"wed":[["09:00","18:00"]],
                "thu":[["09:00","18:00"]],"fri":[["09:00","18:00"]]}}"#,
        )
        .unwrap();
        let monday: jiff::Timestamp = "2026-03-16T00:00Z".parse().unwrap();
        (hours.compile().unwrap(), monday.as_millisecond())
    }

    #[test]
    fn policy_validation() {
        assert!(SlaPolicy::default().validate().is_ok());
        assert!(policy(1, 60, MAX_TARGET_MINS).validate().is_ok());
        let cases = [
            (SlaPolicy { first_response_mins: Some(0), ..SlaPolicy::default() }, "sla.first_response_mins"),
            (
                SlaPolicy { next_response_mins: Some(MAX_TARGET_MINS + 1), ..SlaPolicy::default() },
                "sla.next_response_mins",
            ),
            (SlaPolicy { resolution_mins: Some(0), ..SlaPolicy::default() }, "sla.resolution_mins"),
            (SlaPolicy { warn_before_pct: 100, ..SlaPolicy::default() }, "sla.warn_before_pct"),
        ];
        for (p, field) in cases {
            let e = p.validate().unwrap_err();
            assert_eq!((e.field.as_ref(), e.rule), (field, Rule::InvalidChoice));
        }
        let p: SlaPolicy = serde_json::from_str(r#"{"first_response_mins":30}"#).unwrap();
        assert_eq!(p, SlaPolicy { first_response_mins: Some(30), ..SlaPolicy::default() });
    }

    #[test]
    fn first_response_states_over_time() {
        let cal = Calendar::always();
        let p = SlaPolicy { first_response_mins: Some(60), ..SlaPolicy::default() };
        let created = events(&[(0, Created), (M, CustomerMessage)]);
        // (now, state, next change); warning at 48 minutes (80 %), due at 60.
        let cases = [
            (0, Ok, Some(48 * M)),
            (47 * M, Ok, Some(48 * M)),
            (48 * M, Warning, Some(H)),
            (H - 1, Warning, Some(H)),
            (H, Breached, None),
            (5 * H, Breached, None),
        ];
        for (now, state, next) in cases {
            let c = evaluate(&p, &cal, &created, now).first_response;
            assert_eq!((c.state, c.next_change_at, c.due_at, c.met), (state, next, Some(H), None), "now={now}");
        }
        // (reply at, state, met)
        for (reply, state, met) in
            [(30 * M, Met, true), (H - 1, Met, true), (H, Breached, false), (2 * H, Breached, false)]
        {
            let mut ev = created.clone();
            ev.push(Event::new(reply, AgentReply));
            let c = evaluate(&p, &cal, &ev, 10 * H).first_response;
            assert_eq!(
                (c.state, c.met, c.stopped_at, c.next_change_at),
                (state, Some(met), Some(reply), None),
                "{reply}"
            );
            assert_eq!(c.elapsed_ms, reply);
        }
        // No warning share: the next change is the due instant.
        let quiet = SlaPolicy { warn_before_pct: 0, ..p };
        let c = evaluate(&quiet, &cal, &created, 50 * M).first_response;
        assert_eq!((c.state, c.warn_at, c.next_change_at), (Ok, None, Some(H)));
    }

    #[test]
    fn clocks_count_business_time_and_skip_pauses() {
        let (cal, mon) = office();
        let p = policy(120, 30, 8 * 60);
        // Created on Monday at 17:00: an hour today, an hour tomorrow → due Tuesday 10:00.
        let ev = events(&[(mon + 17 * H, Created), (mon + 17 * H, CustomerMessage)]);
        let s = evaluate(&p, &cal, &ev, mon + 20 * H);
        assert_eq!(s.first_response.due_at, Some(mon + 24 * H + 10 * H));
        assert_eq!(s.first_response.warn_at, Some(mon + 24 * H + 9 * H + 36 * M));
        assert_eq!((s.first_response.state, s.first_response.elapsed_ms), (Ok, H));
        assert_eq!(s.resolution.due_at, Some(mon + 24 * H + 16 * H));
        assert_eq!(s.next_change_at(), Some(mon + 24 * H + 9 * H + 36 * M));

        // Paused from 17:30 Monday to 09:30 Tuesday, which hides an hour of business time.
        let paused =
            events(&[(mon + 17 * H, Created), (mon + 17 * H + 30 * M, Paused), (mon + 33 * H + 30 * M, Resumed)]);
        let s = evaluate(&p, &cal, &paused, mon + 34 * H);
        assert_eq!(s.first_response.due_at, Some(mon + 24 * H + 11 * H));
        assert_eq!(s.first_response.elapsed_ms, 60 * M);
        // While still paused the clock is frozen: no due time, nothing scheduled.
        let s = evaluate(&p, &cal, &paused, mon + 30 * H);
        assert_eq!(
            (s.first_response.state, s.first_response.due_at, s.first_response.next_change_at),
            (Ok, None, None)
        );
        assert_eq!(s.first_response.elapsed_ms, 30 * M);
        assert_eq!(s.next_change_at(), None);
        // A breach before the pause stays a breach.
        let late = events(&[(mon + 9 * H, Created), (mon + 12 * H, Paused)]);
        let s = evaluate(&p, &cal, &late, mon + 13 * H);
        assert_eq!((s.first_response.state, s.first_response.due_at), (Breached, Some(mon + 11 * H)));
        // A reply given while paused stops the clock with the pause's time left out.
        let reply_paused =
            events(&[(mon + 9 * H, Created), (mon + 9 * H + 30 * M, Paused), (mon + 15 * H, AgentReply)]);
        let c = evaluate(&p, &cal, &reply_paused, mon + 16 * H).first_response;
        assert_eq!((c.state, c.elapsed_ms, c.due_at), (Met, 30 * M, Some(mon + 15 * H + 90 * M)));
    }

    #[test]
    fn definitions_of_the_three_targets() {
        let cal = Calendar::always();
        let p = policy(10, 5, 60);
        // (events, now, (first, next, resolution) states, (first, next, resolution) start)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(Vec<(i64, EventKind)>, i64, [SlaState; 3], [Option<i64>; 3])> = vec![
            (vec![], 0, [NotApplicable; 3], [None; 3]),
            (vec![(0, Created)], 5 * M, [Ok, NotApplicable, Ok], [Some(0), None, Some(0)]),
            // The bot held it for 30 minutes: the first response is owed from the hand-over.
            (
                vec![(0, Created), (M, CustomerMessage), (30 * M, HandedOver)],
                35 * M,
                [Ok, NotApplicable, Ok],
                [Some(30 * M), None, Some(0)],
            ),
            (
                vec![(0, Created), (30 * M, HandedOver), (38 * M, AgentReply)],
                39 * M,
                [Met, NotApplicable, Ok],
                [Some(30 * M), None, Some(0)],
            ),
            // Answered; the customer writes twice, the clock runs from the first of the two.
            (
                vec![(0, Created), (2 * M, AgentReply), (10 * M, CustomerMessage), (12 * M, CustomerMessage)],
                14 * M,
                [Met, Warning, Ok],
                [Some(0), Some(10 * M), Some(0)],
            ),
            (
                vec![(0, Created), (2 * M, AgentReply), (10 * M, CustomerMessage), (20 * M, AgentReply)],
                21 * M,
                [Met, Breached, Ok],
                [Some(0), Some(10 * M), Some(0)],
            ),
            // The latest wait decides: an old breach does not linger.
            (
                vec![
                    (0, Created),
                    (M, AgentReply),
                    (2 * M, CustomerMessage),
                    (20 * M, AgentReply),
                    (21 * M, CustomerMessage),
                    (22 * M, AgentReply),
                ],
                40 * M,
                [Met, Met, Ok],
                [Some(0), Some(21 * M), Some(0)],
            ),
            // Resolved without a reply: nothing is owed any more; resolution met.
            (vec![(0, Created), (5 * M, Resolved)], 30 * M, [NotApplicable, NotApplicable, Met], [None, None, Some(0)]),
            // Reopened at 2 h: the resolution clock starts again from the reopening.
            (
                vec![
                    (0, Created),
                    (M, AgentReply),
                    (90 * M, Resolved),
                    (120 * M, Reopened),
                    (121 * M, CustomerMessage),
                ],
                123 * M,
                [Met, Ok, Ok],
                [Some(0), Some(121 * M), Some(120 * M)],
            ),
            (
                vec![(0, Created), (70 * M, Resolved)],
                80 * M,
                [NotApplicable, NotApplicable, Breached],
                [None, None, Some(0)],
            ),
            // Events after `now` are not known yet.
            (vec![(0, Created), (9 * M, AgentReply)], 8 * M, [Warning, NotApplicable, Ok], [Some(0), None, Some(0)]),
        ];
        for (list, now, states, starts) in cases {
            let s = evaluate(&p, &cal, &events(&list), now);
            let clocks = [s.first_response, s.next_response, s.resolution];
            assert_eq!(clocks.map(|c| c.state), states, "{list:?} at {now}");
            assert_eq!(clocks.map(|c| c.started_at), starts, "{list:?} at {now}");
        }
        // No target → not applicable whatever happens.
        let none = evaluate(&SlaPolicy::default(), &cal, &events(&[(0, Created)]), 10 * H);
        assert_eq!(none.worst(), NotApplicable);
        assert_eq!(none.next_change_at(), None);
    }

    #[test]
    fn next_change_is_where_the_state_changes() {
        // Following next_change_at from the last event, each step changes some clock's state
        // exactly there, and the chain ends when nothing is left to change by itself.
        let (cal, mon) = office();
        let p = policy(90, 30, 600);
        let ev =
            events(&[(mon + 8 * H, Created), (mon + 10 * H, AgentReply), (mon + 17 * H + 50 * M, CustomerMessage)]);
        let states = |now| {
            let s = evaluate(&p, &cal, &ev, now);
            [s.first_response.state, s.next_response.state, s.resolution.state]
        };
        // Resolution: 600 min from Monday 09:00, warned at 480 (Monday 17:00), due Tuesday 10:00.
        assert_eq!(states(mon + 17 * H + 50 * M), [Met, Ok, Warning]);
        let mut now = mon + 17 * H + 50 * M;
        let mut seen = Vec::new();
        while let Some(next) = evaluate(&p, &cal, &ev, now).next_change_at() {
            assert!(next > now);
            assert_ne!(states(next - 1), states(next), "at {next}");
            seen.push((next - mon, states(next)));
            now = next;
        }
        let tue = 24 * H;
        assert_eq!(
            seen,
            [
                // Next response: 10 minutes on Monday, then 80 % of 30 at Tuesday 09:14, due 09:20.
                (tue + 9 * H + 14 * M, [Met, Warning, Warning]),
                (tue + 9 * H + 20 * M, [Met, Breached, Warning]),
                (tue + 10 * H, [Met, Breached, Breached]),
            ]
        );
        assert_eq!(evaluate(&p, &cal, &ev, mon + 9 * H).worst(), Ok);
        assert_eq!(evaluate(&p, &cal, &ev, now).worst(), Breached);
    }
}
