//! Reporting figures for one conversation, read from the same timeline as the SLA clocks (see
//! [`crate::sla`] for the definitions of first response and of a reply's wait). Figures are the
//! customer's experience: pauses are not taken out, business time is the calendar's.

use serde::Serialize;

use crate::hours::Calendar;
use crate::timeline::{self, Event, WaitEnd, WaitKind};

/// A duration measured two ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Metric {
    pub wall_ms: i64,
    pub business_ms: i64,
}

impl Metric {
    /// The time from `from` to `to`, on the wall clock and in business hours.
    pub fn between(calendar: &Calendar, from: i64, to: i64) -> Metric {
        Metric { wall_ms: (to - from).max(0), business_ms: calendar.business_ms_between(from, to) }
    }
}

/// What a conversation's timeline says for reports and the queue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Report {
    /// From creation (or the bot's hand-over) to the first agent reply.
    pub first_response: Option<Metric>,
    /// Each later wait: from the customer's first unanswered message to the agent's reply.
    pub replies: Vec<Metric>,
    /// From creation to the last resolution, while the conversation is resolved.
    pub resolution: Option<Metric>,
    /// Since when the customer has been waiting for people (for the queue's order); `None` when
    /// nobody waits: answered, resolved, or not created.
    pub waiting_since: Option<i64>,
}

/// The figures of one conversation.
pub fn report(calendar: &Calendar, events: &[Event]) -> Report {
    let reading = timeline::read(events);
    let mut out = Report::default();
    for wait in &reading.waits {
        match (wait.kind, wait.end) {
            (WaitKind::First, WaitEnd::Answered(at)) => {
                out.first_response = Some(Metric::between(calendar, wait.start, at));
            }
            (WaitKind::Next, WaitEnd::Answered(at)) => out.replies.push(Metric::between(calendar, wait.start, at)),
            (_, WaitEnd::Open) => out.waiting_since = Some(wait.start),
            (_, WaitEnd::Cancelled) => {}
        }
    }
    if let (Some(created), Some(resolved)) = (reading.created, reading.resolved_at) {
        out.resolution = Some(Metric::between(calendar, created, resolved));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::BusinessHours;
    use crate::timeline::EventKind::{self, *};

    const M: i64 = 60_000;
    const H: i64 = 60 * M;

    fn metric(wall_ms: i64, business_ms: i64) -> Metric {
        Metric { wall_ms, business_ms }
    }

    #[test]
    fn figures_from_timelines() {
        // 2026-03-16 is a Monday; open 09:00–18:00 UTC on weekdays.
        let cal = serde_json::from_str::<BusinessHours>(
            r#"{"time_zone":"UTC","weekly":{"mon":[["09:00","18:00"]],"tue":[["09:00","18:00"]]}}"#,
        )
        .unwrap()
        .compile()
        .unwrap();
        let mon = "2026-03-16T00:00Z".parse::<jiff::Timestamp>().unwrap().as_millisecond();
        let t = |h: i64, m: i64| mon + h * H + m * M;
        // (events, expected report)
        let cases: Vec<(Vec<(i64, EventKind)>, Report)> = vec![
            (vec![], Report::default()),
            (vec![(t(8, 0), Created)], Report { waiting_since: Some(t(8, 0)), ..Report::default() }),
            (
                // Created before opening, answered at 09:15: 75 minutes waited, 15 of them in hours.
                vec![(t(8, 0), Created), (t(8, 0), CustomerMessage), (t(9, 15), AgentReply)],
                Report { first_response: Some(metric(75 * M, 15 * M)), ..Report::default() },
            ),
            (
                // Two answered waits after the first response, one waiting since 17:30.
                vec![
                    (t(10, 0), Created),
                    (t(10, 5), AgentReply),
                    (t(11, 0), CustomerMessage),
                    (t(11, 1), CustomerMessage),
                    (t(11, 10), AgentReply),
                    (t(11, 11), AgentReply),
                    (t(17, 50), CustomerMessage),
                    (t(24 + 9, 20), AgentReply),
                    (t(24 + 17, 30), CustomerMessage),
                ],
                Report {
                    first_response: Some(metric(5 * M, 5 * M)),
                    replies: vec![metric(10 * M, 10 * M), metric(15 * H + 30 * M, 30 * M)],
                    resolution: None,
                    waiting_since: Some(t(24 + 17, 30)),
                },
            ),
            (
                // Hand-over at 10:30; resolved, reopened, resolved again: resolution runs from
                // creation to the last resolution, and nobody waits.
                vec![
                    (t(10, 0), Created),
                    (t(10, 30), HandedOver),
                    (t(10, 40), AgentReply),
                    (t(11, 0), Resolved),
                    (t(12, 0), Reopened),
                    (t(12, 0), CustomerMessage),
                    (t(24 + 12, 0), Resolved),
                ],
                Report {
                    first_response: Some(metric(10 * M, 10 * M)),
                    replies: vec![],
                    resolution: Some(metric(26 * H, 11 * H)),
                    waiting_since: None,
                },
            ),
            (
                // Paused time still counts for the customer.
                vec![(t(9, 0), Created), (t(9, 10), Paused), (t(10, 0), Resumed), (t(10, 30), AgentReply)],
                Report { first_response: Some(metric(90 * M, 90 * M)), ..Report::default() },
            ),
        ];
        for (list, expected) in cases {
            let events: Vec<Event> = list.iter().map(|&(at, kind)| Event::new(at, kind)).collect();
            assert_eq!(report(&cal, &events), expected, "{list:?}");
        }
    }
}
