//! Stand-ins for `steward-support` modules still being written (routing,
//! pre-chat forms, macros); replaced by the crate's own when it lands.

pub mod routing {
    use steward_core::{FieldError, Rule};

    #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum RoutingMode {
        RoundRobin,
        LeastLoaded,
        Manual,
        OfferToAll,
        Sticky,
    }
    impl RoutingMode {
        pub fn parse(raw: &str) -> Result<Self, FieldError> {
            Ok(match raw {
                "round_robin" => RoutingMode::RoundRobin,
                "least_loaded" => RoutingMode::LeastLoaded,
                "manual" => RoutingMode::Manual,
                "offer_to_all" => RoutingMode::OfferToAll,
                "sticky" => RoutingMode::Sticky,
                _ => return Err(FieldError::new("routing", Rule::InvalidChoice)),
            })
        }
    }
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Availability {
        Online,
        Away,
        Offline,
    }
    impl Availability {
        pub fn parse(raw: &str) -> Result<Self, FieldError> {
            Ok(match raw {
                "online" => Availability::Online,
                "away" => Availability::Away,
                "offline" => Availability::Offline,
                _ => return Err(FieldError::new("availability", Rule::InvalidChoice)),
            })
        }
    }
    #[derive(Debug, Clone)]
    pub struct Candidate {
        pub user_id: i64,
        pub availability: Availability,
        pub load: u32,
        pub capacity: u32,
        pub last_assigned_at: Option<i64>,
    }
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Choice {
        Assign(i64),
        Offer(Vec<i64>),
        Queue,
    }
    pub fn choose(mode: RoutingMode, candidates: &[Candidate], sticky: Option<i64>, exclude: &[i64]) -> Choice {
        let free: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| c.availability == Availability::Online)
            .filter(|c| c.capacity == 0 || c.load < c.capacity)
            .filter(|c| !exclude.contains(&c.user_id))
            .collect();
        let rr = |v: &[&Candidate]| {
            v.iter().min_by_key(|c| (c.last_assigned_at.unwrap_or(i64::MIN), c.user_id)).map(|c| c.user_id)
        };
        let least = |v: &[&Candidate]| {
            v.iter()
                .min_by(|a, b| {
                    let ra = if a.capacity == 0 { 0.0 } else { a.load as f64 / a.capacity as f64 };
                    let rb = if b.capacity == 0 { 0.0 } else { b.load as f64 / b.capacity as f64 };
                    ra.total_cmp(&rb)
                        .then(a.last_assigned_at.unwrap_or(i64::MIN).cmp(&b.last_assigned_at.unwrap_or(i64::MIN)))
                        .then(a.user_id.cmp(&b.user_id))
                })
                .map(|c| c.user_id)
        };
        let pick = match mode {
            RoutingMode::Manual => return Choice::Queue,
            RoutingMode::OfferToAll => {
                return if free.is_empty() {
                    Choice::Queue
                } else {
                    Choice::Offer(free.iter().map(|c| c.user_id).collect())
                };
            }
            RoutingMode::RoundRobin => rr(&free),
            RoutingMode::LeastLoaded => least(&free),
            RoutingMode::Sticky => sticky.filter(|s| free.iter().any(|c| c.user_id == *s)).or_else(|| least(&free)),
        };
        pick.map_or(Choice::Queue, Choice::Assign)
    }
}

pub mod prechat {
    use std::collections::BTreeMap;

    use serde_json::Value;
    use steward_core::{FieldError, Rule};

    #[derive(Debug, Clone)]
    pub struct Field {
        pub name: String,
        pub required: bool,
    }

    pub fn parse_fields(raw: &[Value]) -> Result<Vec<Field>, FieldError> {
        if raw.len() > 10 {
            return Err(FieldError::with_limit("settings.prechat", Rule::TooLong, 10));
        }
        raw.iter()
            .map(|v| {
                let name = v.get("name").and_then(Value::as_str).unwrap_or("");
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                    return Err(FieldError::new("settings.prechat", Rule::InvalidFormat));
                }
                Ok(Field {
                    name: name.to_string(),
                    required: v.get("required").and_then(Value::as_bool).unwrap_or(false),
                })
            })
            .collect()
    }

    pub fn validate_answers(
        fields: &[Field],
        answers: &serde_json::Map<String, Value>,
    ) -> Result<BTreeMap<String, String>, Vec<FieldError>> {
        let mut out = BTreeMap::new();
        let mut errs = vec![];
        for f in fields {
            let v = answers.get(&f.name).and_then(Value::as_str).map(str::trim).unwrap_or("");
            if v.is_empty() {
                if f.required {
                    errs.push(FieldError::new("prechat", Rule::Required));
                }
                continue;
            }
            out.insert(f.name.clone(), v.chars().take(500).collect());
        }
        if errs.is_empty() { Ok(out) } else { Err(errs) }
    }
}
