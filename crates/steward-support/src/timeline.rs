//! A conversation's history as SLA clocks and reports read it: a list of timed events, and one
//! reading of it (who waits since when, which spans are paused) that both share so they never
//! disagree.

use serde::{Deserialize, Serialize};

/// What happened in a conversation, as far as clocks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Created,
    /// A bot had the conversation and passed it to people; the first response is owed from here.
    HandedOver,
    CustomerMessage,
    /// A public reply by an operator (not a bot, not an internal note).
    AgentReply,
    /// The conversation became pending or snoozed: clocks stop.
    Paused,
    /// It became open again after a pause: clocks go on.
    Resumed,
    Resolved,
    Reopened,
}

/// One event at an instant (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at: i64,
    pub kind: EventKind,
}

impl Event {
    pub fn new(at: i64, kind: EventKind) -> Self {
        Event { at, kind }
    }
}

/// Which target a wait belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitKind {
    First,
    Next,
}

/// How a wait ended, if it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaitEnd {
    Open,
    Answered(i64),
    /// Resolving a conversation settles whatever the customer was waiting for.
    Cancelled,
}

/// A span in which the customer waits for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Wait {
    pub kind: WaitKind,
    pub start: i64,
    pub end: WaitEnd,
}

/// A clock's run: from `start` until `stop` (or still running).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub start: i64,
    pub stop: Option<i64>,
}

/// The reading of a timeline.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Reading {
    pub created: Option<i64>,
    pub waits: Vec<Wait>,
    /// Pending/snoozed spans in order; the last may still be going on (`None`).
    pub pauses: Vec<(i64, Option<i64>)>,
    /// The current resolution clock: from creation, or from the last reopening.
    pub resolution: Option<Run>,
    /// When the conversation was resolved, if it still is.
    pub resolved_at: Option<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Running,
    Paused,
    Resolved,
}

/// Reads events in time order (ties keep the given order); events before `Created` and a
/// second `Created` are ignored, as are events that make no sense in the current status.
pub(crate) fn read(events: &[Event]) -> Reading {
    let mut events = events.to_vec();
    events.sort_by_key(|e| e.at);
    let mut r = Reading::default();
    let mut status = Status::Running;
    let mut open: Option<usize> = None; // index into r.waits of the wait going on
    for Event { at, kind } in events {
        if r.created.is_none() {
            if kind == EventKind::Created {
                r.created = Some(at);
                r.resolution = Some(Run { start: at, stop: None });
                r.waits.push(Wait { kind: WaitKind::First, start: at, end: WaitEnd::Open });
                open = Some(0);
            }
            continue;
        }
        match kind {
            EventKind::Created => {}
            EventKind::HandedOver => {
                // Until people have the conversation, the bot answers: restart the first wait.
                if let Some(w) = open.map(|i| &mut r.waits[i]).filter(|w| w.kind == WaitKind::First) {
                    w.start = at;
                }
            }
            EventKind::CustomerMessage => {
                if open.is_none() && status != Status::Resolved {
                    r.waits.push(Wait { kind: WaitKind::Next, start: at, end: WaitEnd::Open });
                    open = Some(r.waits.len() - 1);
                }
            }
            EventKind::AgentReply => {
                if let Some(i) = open.take() {
                    r.waits[i].end = WaitEnd::Answered(at);
                }
            }
            EventKind::Paused => {
                if status == Status::Running {
                    status = Status::Paused;
                    r.pauses.push((at, None));
                }
            }
            EventKind::Resumed | EventKind::Reopened | EventKind::Resolved => {
                if status == Status::Paused {
                    if let Some(p) = r.pauses.last_mut() {
                        p.1 = Some(at);
                    }
                    status = Status::Running;
                }
                if kind == EventKind::Resolved && status == Status::Running {
                    status = Status::Resolved;
                    r.resolved_at = Some(at);
                    if let Some(run) = r.resolution.as_mut() {
                        run.stop = Some(at);
                    }
                    if let Some(i) = open.take() {
                        r.waits[i].end = WaitEnd::Cancelled;
                    }
                }
                if kind == EventKind::Reopened && status == Status::Resolved {
                    status = Status::Running;
                    r.resolved_at = None;
                    r.resolution = Some(Run { start: at, stop: None });
                }
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    fn timeline(events: &[(i64, EventKind)]) -> Reading {
        read(&events.iter().map(|&(at, kind)| Event::new(at, kind)).collect::<Vec<_>>())
    }

    #[test]
    fn reading_waits_pauses_and_resolution() {
        use WaitEnd::*;
        use WaitKind::*;
        let w = |kind, start, end| Wait { kind, start, end };
        // (events, waits, pauses, resolution run, resolved at)
        #[allow(clippy::type_complexity)]
        let cases: Vec<(Vec<(i64, EventKind)>, Vec<Wait>, Vec<(i64, Option<i64>)>, Option<Run>, Option<i64>)> = vec![
            (vec![], vec![], vec![], None, None),
            (vec![(5, CustomerMessage), (6, AgentReply)], vec![], vec![], None, None),
            (vec![(0, Created)], vec![w(First, 0, Open)], vec![], Some(Run { start: 0, stop: None }), None),
            (
                vec![(0, Created), (1, CustomerMessage), (2, CustomerMessage), (3, AgentReply), (4, AgentReply)],
                vec![w(First, 0, Answered(3))],
                vec![],
                Some(Run { start: 0, stop: None }),
                None,
            ),
            (
                // Given out of order; the bot hands over at 2.
                vec![
                    (3, AgentReply),
                    (0, Created),
                    (2, HandedOver),
                    (1, CustomerMessage),
                    (5, AgentReply),
                    (4, CustomerMessage),
                    (4, CustomerMessage),
                ],
                vec![w(First, 2, Answered(3)), w(Next, 4, Answered(5))],
                vec![],
                Some(Run { start: 0, stop: None }),
                None,
            ),
            (
                vec![
                    (0, Created),
                    (1, AgentReply),
                    (2, Paused),
                    (3, Paused),
                    (4, Resumed),
                    (5, CustomerMessage),
                    (6, Paused),
                ],
                vec![w(First, 0, Answered(1)), w(Next, 5, Open)],
                vec![(2, Some(4)), (6, None)],
                Some(Run { start: 0, stop: None }),
                None,
            ),
            (
                // Resolving settles the open wait and closes the pause; a reopening restarts
                // the resolution clock, and the next customer message starts a new wait.
                vec![
                    (0, Created),
                    (1, CustomerMessage),
                    (2, Paused),
                    (3, Resolved),
                    (4, CustomerMessage),
                    (5, Reopened),
                    (6, CustomerMessage),
                ],
                vec![w(First, 0, Cancelled), w(Next, 6, Open)],
                vec![(2, Some(3))],
                Some(Run { start: 5, stop: None }),
                None,
            ),
            (
                vec![(0, Created), (1, AgentReply), (2, Resolved), (3, Resolved), (4, HandedOver)],
                vec![w(First, 0, Answered(1))],
                vec![],
                Some(Run { start: 0, stop: Some(2) }),
                Some(2),
            ),
        ];
        for (events, waits, pauses, resolution, resolved_at) in cases {
            let r = timeline(&events);
            assert_eq!(r.waits, waits, "{events:?}");
            assert_eq!(r.pauses, pauses, "{events:?}");
            assert_eq!(r.resolution, resolution, "{events:?}");
            assert_eq!(r.resolved_at, resolved_at, "{events:?}");
        }
    }

    #[test]
    fn events_serialize_in_snake_case() {
        let e: Event = serde_json::from_str(r#"{"at":5,"kind":"handed_over"}"#).unwrap();
        assert_eq!(e, Event::new(5, HandedOver));
        assert_eq!(
            serde_json::to_string(&Event::new(1, CustomerMessage)).unwrap(),
            r#"{"at":1,"kind":"customer_message"}"#
        );
    }
}
