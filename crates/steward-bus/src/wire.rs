//! The bus's wire format between nodes: a small binary header, then the
//! event's JSON exactly as the gateway sends it (never re-serialised).
//!
//! ```text
//! version u8 (1) | frame u8 | node u64 LE | body
//! frame 0, an envelope:  topic u8 [id i64] | flags u8 | [seq i64] | [control] | [payload bytes to the end]
//! frame 1, presence:     count u32 | count × (user i64, status u8)   (the sender's connected users)
//! frame 2, sync:         (empty)  "send me your presence now" from a node that just started
//! frame 3, leaving:      (empty)  the sender shuts down: forget its presence
//! ```
//!
//! A room event costs 28 bytes of header over its JSON. Integers are
//! little-endian and fixed-width: decoding is a bounds check and a copy.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::{CacheKind, Control, Envelope, Presence, Topic};

const VERSION: u8 = 1;

/// One message between nodes.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    Envelope(Envelope),
    /// The sender's connected users and their status (sent every few seconds).
    Presence(Vec<(i64, Presence)>),
    /// A node just started: every node answers with its `Presence` frame.
    Sync,
    /// The sender is shutting down: its users are gone from it.
    Leaving,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    #[error("frame too short")]
    Truncated,
    #[error("unknown wire version {0}")]
    Version(u8),
    #[error("unknown {what} tag {tag}")]
    Tag { what: &'static str, tag: u8 },
}

const FLAG_SEQ: u8 = 1;
const FLAG_CONTROL: u8 = 2;
const FLAG_PAYLOAD: u8 = 4;

pub fn encode(node: u64, frame: &Frame) -> Bytes {
    let extra = match frame {
        Frame::Envelope(e) => e.payload.as_ref().map_or(0, Bytes::len) + 40,
        Frame::Presence(list) => 4 + list.len() * 9,
        _ => 0,
    };
    let mut b = BytesMut::with_capacity(10 + extra);
    b.put_u8(VERSION);
    match frame {
        Frame::Envelope(env) => {
            b.put_u8(0);
            b.put_u64_le(node);
            put_envelope(&mut b, env);
        }
        Frame::Presence(list) => {
            b.put_u8(1);
            b.put_u64_le(node);
            b.put_u32_le(list.len() as u32);
            for (user, status) in list {
                b.put_i64_le(*user);
                b.put_u8(*status as u8);
            }
        }
        Frame::Sync => {
            b.put_u8(2);
            b.put_u64_le(node);
        }
        Frame::Leaving => {
            b.put_u8(3);
            b.put_u64_le(node);
        }
    }
    b.freeze()
}

fn put_envelope(b: &mut BytesMut, env: &Envelope) {
    match env.topic {
        Topic::Room(id) => {
            b.put_u8(0);
            b.put_i64_le(id);
        }
        Topic::User(id) => {
            b.put_u8(1);
            b.put_i64_le(id);
        }
        Topic::All => b.put_u8(2),
    }
    let flags = env.seq.map_or(0, |_| FLAG_SEQ)
        | env.control.map_or(0, |_| FLAG_CONTROL)
        | env.payload.as_ref().map_or(0, |_| FLAG_PAYLOAD);
    b.put_u8(flags);
    if let Some(seq) = env.seq {
        b.put_i64_le(seq);
    }
    if let Some(c) = env.control {
        put_control(b, c);
    }
    if let Some(p) = &env.payload {
        b.put_slice(p);
    }
}

fn put_control(b: &mut BytesMut, c: Control) {
    match c {
        Control::Subscribe { user_id, room_id } => {
            b.put_u8(0);
            b.put_i64_le(user_id);
            b.put_i64_le(room_id);
        }
        Control::Refresh { user_id } => {
            b.put_u8(1);
            b.put_i64_le(user_id);
        }
        Control::Restrict { room_id } => {
            b.put_u8(2);
            b.put_i64_le(room_id);
        }
        Control::Unsubscribe { user_id, room_id } => {
            b.put_u8(3);
            b.put_i64_le(user_id);
            b.put_i64_le(room_id);
        }
        Control::Disconnect { user_id } => {
            b.put_u8(4);
            b.put_i64_le(user_id);
        }
        Control::EndSession { user_id, session_id } => {
            b.put_u8(5);
            b.put_i64_le(user_id);
            b.put_i64_le(session_id);
        }
        Control::Invalidate(kind) => {
            b.put_u8(6);
            b.put_u8(kind as u8);
        }
        Control::Presence { user_id, status } => {
            b.put_u8(7);
            b.put_i64_le(user_id);
            b.put_u8(status as u8);
        }
    }
}

/// Decodes one frame; the payload shares `data`'s memory (no copy).
pub fn decode(data: &Bytes) -> Result<(u64, Frame), WireError> {
    let mut r = data.clone();
    need(&r, 10)?;
    let version = r.get_u8();
    if version != VERSION {
        return Err(WireError::Version(version));
    }
    let kind = r.get_u8();
    let node = r.get_u64_le();
    let frame = match kind {
        0 => Frame::Envelope(envelope(&mut r)?),
        1 => {
            need(&r, 4)?;
            let n = r.get_u32_le() as usize;
            need(&r, n.saturating_mul(9))?;
            let mut list = Vec::with_capacity(n);
            for _ in 0..n {
                let user = r.get_i64_le();
                list.push((user, presence(r.get_u8())?));
            }
            Frame::Presence(list)
        }
        2 => Frame::Sync,
        3 => Frame::Leaving,
        tag => return Err(WireError::Tag { what: "frame", tag }),
    };
    Ok((node, frame))
}

fn need(r: &Bytes, n: usize) -> Result<(), WireError> {
    if r.remaining() < n { Err(WireError::Truncated) } else { Ok(()) }
}

fn i64_of(r: &mut Bytes) -> Result<i64, WireError> {
    need(r, 8)?;
    Ok(r.get_i64_le())
}

fn u8_of(r: &mut Bytes) -> Result<u8, WireError> {
    need(r, 1)?;
    Ok(r.get_u8())
}

fn envelope(r: &mut Bytes) -> Result<Envelope, WireError> {
    let topic = match u8_of(r)? {
        0 => Topic::Room(i64_of(r)?),
        1 => Topic::User(i64_of(r)?),
        2 => Topic::All,
        tag => return Err(WireError::Tag { what: "topic", tag }),
    };
    let flags = u8_of(r)?;
    let seq = if flags & FLAG_SEQ != 0 { Some(i64_of(r)?) } else { None };
    let control = if flags & FLAG_CONTROL != 0 { Some(control(r)?) } else { None };
    let payload = (flags & FLAG_PAYLOAD != 0).then(|| r.split_off(0));
    Ok(Envelope { topic, seq, payload, control })
}

fn control(r: &mut Bytes) -> Result<Control, WireError> {
    Ok(match u8_of(r)? {
        0 => Control::Subscribe { user_id: i64_of(r)?, room_id: i64_of(r)? },
        1 => Control::Refresh { user_id: i64_of(r)? },
        2 => Control::Restrict { room_id: i64_of(r)? },
        3 => Control::Unsubscribe { user_id: i64_of(r)?, room_id: i64_of(r)? },
        4 => Control::Disconnect { user_id: i64_of(r)? },
        5 => Control::EndSession { user_id: i64_of(r)?, session_id: i64_of(r)? },
        6 => {
            let tag = u8_of(r)?;
            Control::Invalidate(CacheKind::from_u8(tag).ok_or(WireError::Tag { what: "cache", tag })?)
        }
        7 => Control::Presence { user_id: i64_of(r)?, status: presence(u8_of(r)?)? },
        tag => return Err(WireError::Tag { what: "control", tag }),
    })
}

fn presence(tag: u8) -> Result<Presence, WireError> {
    Presence::from_u8(tag).ok_or(WireError::Tag { what: "presence", tag })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(frame: Frame) {
        let bytes = encode(0xfeed_beef, &frame);
        assert_eq!(decode(&bytes), Ok((0xfeed_beef, frame)));
    }

    #[test]
    fn every_frame_round_trips() {
        round_trip(Frame::Envelope(Envelope::event(Topic::Room(42), Some(7), "{\"type\":\"message.created\"}")));
        round_trip(Frame::Envelope(Envelope::event(Topic::User(-3), None, "")));
        round_trip(Frame::Envelope(Envelope::event(Topic::All, None, "{\"type\":\"presence\"}")));
        for c in [
            Control::Subscribe { user_id: 1, room_id: 2 },
            Control::Refresh { user_id: 3 },
            Control::Restrict { room_id: 4 },
            Control::Unsubscribe { user_id: 5, room_id: i64::MAX },
            Control::Disconnect { user_id: 6 },
            Control::EndSession { user_id: 7, session_id: 8 },
            Control::Invalidate(CacheKind::ModerationRules),
            Control::Invalidate(CacheKind::Faq),
            Control::Invalidate(CacheKind::Webhooks),
            Control::Presence { user_id: 9, status: Presence::Away },
        ] {
            round_trip(Frame::Envelope(Envelope::control(c)));
        }
        // A control with a payload and a seq (not produced today, but the format allows it).
        round_trip(Frame::Envelope(Envelope {
            topic: Topic::Room(1),
            seq: Some(2),
            payload: Some(Bytes::from_static(b"x")),
            control: Some(Control::Restrict { room_id: 1 }),
        }));
        round_trip(Frame::Presence(vec![(1, Presence::Online), (2, Presence::Away), (3, Presence::Offline)]));
        round_trip(Frame::Presence(vec![]));
        round_trip(Frame::Sync);
        round_trip(Frame::Leaving);
    }

    #[test]
    fn a_room_event_costs_28_bytes_of_header_and_shares_its_payload() {
        let json = Bytes::from_static(b"{\"type\":\"message.created\",\"seq\":7}");
        let bytes = encode(1, &Frame::Envelope(Envelope::event(Topic::Room(42), Some(7), json.clone())));
        assert_eq!(bytes.len() - json.len(), 28);
        let (_, Frame::Envelope(env)) = decode(&bytes).unwrap() else { panic!("not an envelope") };
        let payload = env.payload.unwrap();
        assert_eq!(payload, json);
        // The decoded payload points into the received buffer.
        assert_eq!(payload.as_ptr(), bytes[28..].as_ptr());
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let good = encode(1, &Frame::Envelope(Envelope::control(Control::EndSession { user_id: 1, session_id: 2 })));
        for cut in 0..good.len() {
            assert!(decode(&good.slice(..cut)).is_err(), "cut at {cut}");
        }
        let mut wrong = good.to_vec();
        wrong[0] = 9;
        assert_eq!(decode(&Bytes::from(wrong)), Err(WireError::Version(9)));
        let huge = [&[1u8, 1][..], &1u64.to_le_bytes(), &u32::MAX.to_le_bytes()].concat();
        assert_eq!(decode(&Bytes::from(huge)), Err(WireError::Truncated));
        let unknown_cache = [&[1u8, 0][..], &1u64.to_le_bytes(), &[2, FLAG_CONTROL, 6, 250]].concat();
        assert_eq!(decode(&Bytes::from(unknown_cache)), Err(WireError::Tag { what: "cache", tag: 250 }));
    }
}
