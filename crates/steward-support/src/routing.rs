//! Who gets a new conversation. This only chooses, from a snapshot of the operators; the store
//! makes the assignment atomic (and the caller retries with a fresh snapshot if it lost a race).

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::{FieldError, Rule};

/// How an inbox hands out conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoutingMode {
    /// The available operator assigned longest ago.
    #[default]
    RoundRobin,
    /// The available operator with the lowest share of their capacity in use.
    LeastLoaded,
    /// Nobody is assigned; operators take conversations from the queue.
    Manual,
    /// Every available operator is offered it; the first to accept takes it.
    OfferToAll,
    /// The operator who last served this contact, else least-loaded.
    Sticky,
}

impl RoutingMode {
    pub const ALL: [RoutingMode; 5] = [
        RoutingMode::RoundRobin,
        RoutingMode::LeastLoaded,
        RoutingMode::Manual,
        RoutingMode::OfferToAll,
        RoutingMode::Sticky,
    ];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|m| m.as_str() == s).ok_or(FieldError::new("routing", Rule::InvalidChoice))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RoutingMode::RoundRobin => "round_robin",
            RoutingMode::LeastLoaded => "least_loaded",
            RoutingMode::Manual => "manual",
            RoutingMode::OfferToAll => "offer_to_all",
            RoutingMode::Sticky => "sticky",
        }
    }
}

/// Whether an operator takes new conversations; only `Online` ones do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    Online,
    Away,
    #[default]
    Offline,
}

impl Availability {
    pub const ALL: [Availability; 3] = [Availability::Online, Availability::Away, Availability::Offline];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|a| a.as_str() == s).ok_or(FieldError::new("availability", Rule::InvalidChoice))
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Availability::Online => "online",
            Availability::Away => "away",
            Availability::Offline => "offline",
        }
    }
}

/// An operator as routing sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub user_id: i64,
    pub availability: Availability,
    /// Open conversations assigned to them now.
    pub load: u32,
    /// How many they may hold at once; 0 = no limit.
    pub capacity: u32,
    pub last_assigned_at: Option<i64>,
}

impl Candidate {
    fn has_room(&self) -> bool {
        self.capacity == 0 || self.load < self.capacity
    }
}

/// The decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Assign(i64),
    /// Offer to these operators, in round-robin order.
    Offer(Vec<i64>),
    /// Leave it in the queue: manual mode, or nobody fits.
    Queue,
}

/// Chooses who gets a conversation. `sticky` is the operator who last served the contact;
/// `exclude` are operators who let an offer for it lapse. Only online operators with spare
/// capacity who are not excluded are considered.
///
/// Round-robin order: never assigned first, then assigned longest ago, ties by lower user id.
/// Least-loaded compares `load / capacity`; an operator without a limit counts as having the
/// largest limit among those considered, so they take their fair share rather than everything.
pub fn choose(mode: RoutingMode, candidates: &[Candidate], sticky: Option<i64>, exclude: &[i64]) -> Choice {
    let mut eligible: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.availability == Availability::Online && c.has_room() && !exclude.contains(&c.user_id))
        .collect();
    eligible.sort_by(|a, b| round_robin_order(a, b));
    let least_loaded = |eligible: &[&Candidate]| {
        let cap_for_unlimited = eligible.iter().map(|c| c.capacity).max().unwrap_or(0).max(1);
        let cap = |c: &Candidate| u64::from(if c.capacity == 0 { cap_for_unlimited } else { c.capacity });
        // a.load / cap(a) vs b.load / cap(b), without fractions; min_by keeps the first of equals,
        // which is the round-robin order the list is sorted in.
        eligible
            .iter()
            .min_by(|a, b| (u64::from(a.load) * cap(b)).cmp(&(u64::from(b.load) * cap(a))))
            .map(|c| c.user_id)
    };
    let pick = match mode {
        RoutingMode::Manual => None,
        RoutingMode::RoundRobin => eligible.first().map(|c| c.user_id),
        RoutingMode::LeastLoaded => least_loaded(&eligible),
        RoutingMode::Sticky => {
            sticky.filter(|id| eligible.iter().any(|c| c.user_id == *id)).or_else(|| least_loaded(&eligible))
        }
        RoutingMode::OfferToAll => {
            return if eligible.is_empty() {
                Choice::Queue
            } else {
                Choice::Offer(eligible.iter().map(|c| c.user_id).collect())
            };
        }
    };
    pick.map_or(Choice::Queue, Choice::Assign)
}

fn round_robin_order(a: &Candidate, b: &Candidate) -> Ordering {
    // `None < Some`, so the never-assigned come first.
    (a.last_assigned_at, a.user_id).cmp(&(b.last_assigned_at, b.user_id))
}

/// Whether an operator idle since `last_active_ms` should be shown as away at `now_ms`;
/// `idle_ms <= 0` turns it off.
pub fn auto_away(last_active_ms: i64, now_ms: i64, idle_ms: i64) -> bool {
    idle_ms > 0 && now_ms.saturating_sub(last_active_ms) >= idle_ms
}

#[cfg(test)]
mod tests {
    use super::Availability::*;
    use super::RoutingMode::*;
    use super::*;

    /// (user id, availability, load, capacity, last assigned)
    fn team(list: &[(i64, Availability, u32, u32, Option<i64>)]) -> Vec<Candidate> {
        list.iter()
            .map(|&(user_id, availability, load, capacity, last_assigned_at)| Candidate {
                user_id,
                availability,
                load,
                capacity,
                last_assigned_at,
            })
            .collect()
    }

    #[test]
    fn choices() {
        let usual = team(&[
            (1, Online, 2, 4, Some(300)),
            (2, Online, 1, 4, Some(100)),
            (3, Online, 3, 3, Some(50)), // full
            (4, Away, 0, 0, None),
            (5, Offline, 0, 0, None),
            (6, Online, 1, 10, Some(200)),
        ]);
        let never = team(&[(9, Online, 0, 0, Some(5)), (8, Online, 0, 0, None), (7, Online, 0, 0, None)]);
        let equal_shares = team(&[(1, Online, 1, 2, Some(9)), (2, Online, 2, 4, Some(3))]);
        let unlimited = team(&[(1, Online, 3, 0, None), (2, Online, 2, 4, None), (3, Online, 2, 0, Some(1))]);
        // (mode, team, sticky, exclude, choice)
        type Case<'a> = (RoutingMode, &'a [Candidate], Option<i64>, &'a [i64], Choice);
        let cases: Vec<Case> = vec![
            (RoundRobin, &usual, None, &[], Choice::Assign(2)),
            (RoundRobin, &usual, None, &[2], Choice::Assign(6)),
            (RoundRobin, &never, None, &[], Choice::Assign(7)),
            (RoundRobin, &never, None, &[7, 8], Choice::Assign(9)),
            (RoundRobin, &usual, None, &[1, 2, 6], Choice::Queue),
            // 6 has 1/10 in use, 2 has 1/4, 1 has 2/4.
            (LeastLoaded, &usual, None, &[], Choice::Assign(6)),
            (LeastLoaded, &usual, None, &[6], Choice::Assign(2)),
            // Equal shares fall back to round-robin order.
            (LeastLoaded, &equal_shares, None, &[], Choice::Assign(2)),
            // Unlimited operators count as having the largest limit (4): 3/4, 2/4, 2/4 → 2 (never assigned).
            (LeastLoaded, &unlimited, None, &[], Choice::Assign(2)),
            (LeastLoaded, &unlimited, None, &[2], Choice::Assign(3)),
            (LeastLoaded, &never, None, &[], Choice::Assign(7)),
            (Sticky, &usual, Some(1), &[], Choice::Assign(1)),
            (Sticky, &usual, Some(3), &[], Choice::Assign(6)),  // full
            (Sticky, &usual, Some(4), &[], Choice::Assign(6)),  // away
            (Sticky, &usual, Some(1), &[1], Choice::Assign(6)), // let the offer lapse
            (Sticky, &usual, Some(42), &[], Choice::Assign(6)), // gone
            (Sticky, &usual, None, &[], Choice::Assign(6)),
            (Manual, &usual, Some(1), &[], Choice::Queue),
            (OfferToAll, &usual, None, &[], Choice::Offer(vec![2, 6, 1])),
            (OfferToAll, &usual, None, &[6], Choice::Offer(vec![2, 1])),
            (OfferToAll, &never, None, &[], Choice::Offer(vec![7, 8, 9])),
            (OfferToAll, &[], None, &[], Choice::Queue),
            (RoundRobin, &[], None, &[], Choice::Queue),
            (Sticky, &[], Some(1), &[], Choice::Queue),
        ];
        for (mode, candidates, sticky, exclude, choice) in cases {
            assert_eq!(
                choose(mode, candidates, sticky, exclude),
                choice,
                "{mode:?} sticky={sticky:?} exclude={exclude:?}"
            );
        }
    }

    #[test]
    fn modes_parse_and_serialize_alike() {
        for mode in RoutingMode::ALL {
            assert_eq!(RoutingMode::parse(mode.as_str()), Ok(mode));
            assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        }
        assert_eq!(RoutingMode::parse("random"), Err(FieldError::new("routing", Rule::InvalidChoice)));
        for a in Availability::ALL {
            assert_eq!(Availability::parse(a.as_str()), Ok(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        assert_eq!(Availability::parse("busy"), Err(FieldError::new("availability", Rule::InvalidChoice)));
    }

    #[test]
    fn auto_away_after_idle_time() {
        // (last active, now, idle limit, away)
        let cases = [
            (0, 599, 600, false),
            (0, 600, 600, true),
            (100, 50, 10, false),
            (0, i64::MAX, 0, false),
            (i64::MIN, i64::MAX, 1, true),
        ];
        for (last, now, idle, away) in cases {
            assert_eq!(auto_away(last, now, idle), away, "{last} {now} {idle}");
        }
    }
}
