//! The installation's secret key, and sealing small secrets with it
//! (XChaCha20-Poly1305). TOTP secrets are stored sealed, so a copy of the
//! database alone does not give anyone's second factor away.
//!
//! The key comes from `STEWARD_SECRET_KEY` (base64 of 32 bytes) or, when that
//! is unset, from `secret.key` in the data folder, written (mode 0600) on
//! first start. Losing the key makes every sealed value unreadable: everyone's
//! 2FA sign-in then fails until the key is restored or 2FA is reset.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

/// The prefix of a sealed value: the format version, so the scheme can change later.
const SEALED_V1: &str = "v1:";
const NONCE_LEN: usize = 24;
pub const KEY_FILE: &str = "secret.key";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the secret key must be base64 of exactly 32 bytes")]
    Malformed,
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("sealed value is not valid base64 or too short")]
    Malformed,
    /// The wrong key, or a value changed or moved to another row.
    #[error("sealed value does not open with this key (was the secret key changed?)")]
    WrongKey,
}

/// 32 bytes; `Debug` shows nothing of them.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

impl SecretKey {
    pub fn parse(base64: &str) -> Result<Self, KeyError> {
        let bytes = B64.decode(base64.trim()).map_err(|_| KeyError::Malformed)?;
        let key: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(SecretKey(key))
    }

    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        SecretKey(key)
    }

    pub fn to_base64(&self) -> String {
        B64.encode(self.0)
    }

    /// Reads `dir/secret.key`, or creates it (readable by the owner only) if absent.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyError> {
        let path = dir.join(KEY_FILE);
        let io = |source| KeyError::Io { path: path.display().to_string(), source };
        match std::fs::read_to_string(&path) {
            Ok(text) => return Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let key = Self::generate();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(io)?;
        std::io::Write::write_all(&mut file, format!("{}\n", key.to_base64()).as_bytes()).map_err(io)?;
        file.sync_all().map_err(io)?;
        tracing::warn!(path = %path.display(), "created a new secret key: back it up, losing it turns off everyone's 2FA");
        Ok(key)
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.0).into())
    }

    /// `v1:<base64(nonce || ciphertext)>`. `context` (e.g. the row it belongs to) is
    /// authenticated, so a sealed value copied to another row does not open there.
    pub fn seal(&self, context: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload { msg: plaintext.as_bytes(), aad: context.as_bytes() };
        // Encryption into a Vec fails only if the message exceeds the cipher's
        // limit (256 GiB); a TOTP secret is a few dozen bytes.
        let ciphertext = self.cipher().encrypt(XNonce::from_slice(&nonce), payload).unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        format!("{SEALED_V1}{}", B64.encode(out))
    }

    /// A keyed signature of `msg` (HMAC-SHA256, 128 bits as hex): for links
    /// that must not be guessable or alterable, like the widget's file links.
    pub fn sign(&self, msg: &str) -> String {
        use hmac::Mac;
        let Ok(mut mac) = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.0) else {
            return String::new();
        };
        mac.update(b"steward-sign:");
        mac.update(msg.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// The plaintext of a sealed value. A value without the `v1:` prefix was
    /// stored before sealing existed and is returned as it is.
    pub fn open(&self, context: &str, stored: &str) -> Result<String, OpenError> {
        let Some(body) = stored.strip_prefix(SEALED_V1) else { return Ok(stored.to_string()) };
        let bytes = B64.decode(body).map_err(|_| OpenError::Malformed)?;
        if bytes.len() <= NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: context.as_bytes() })
            .map_err(|_| OpenError::WrongKey)?;
        String::from_utf8(plain).map_err(|_| OpenError::Malformed)
    }
}

/// Whether a stored value is sealed (as opposed to a plaintext left from before).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED_V1)
}

/// A configured secret string (a bearer token) whose `Debug` hides it.
#[derive(Clone)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(s: String) -> Self {
        SecretString(s)
    }
    /// Constant-time comparison, so timing does not reveal how much of a guess was right.
    pub fn matches(&self, candidate: &str) -> bool {
        use sha2::Digest;
        use subtle::ConstantTimeEq;
        // Hashing first makes the comparison independent of the lengths too.
        let (a, b) = (sha2::Sha256::digest(self.0.as_bytes()), sha2::Sha256::digest(candidate.as_bytes()));
        a.as_slice().ct_eq(b.as_slice()).into()
    }
}

impl std::fmt::Debug for SecretString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretString(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trips_and_hides_the_plaintext() {
        let key = SecretKey::generate();
        let sealed = key.seal("totp:7", "JBSWY3DPEHPK3PXP");
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(sealed, key.seal("totp:7", "JBSWY3DPEHPK3PXP"), "a fresh nonce every time");
        assert_eq!(key.open("totp:7", &sealed).as_deref(), Ok("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn open_fails_closed() {
        let key = SecretKey::generate();
        let sealed = key.seal("totp:7", "JBSWY3DPEHPK3PXP");
        assert_eq!(SecretKey::generate().open("totp:7", &sealed), Err(OpenError::WrongKey));
        assert_eq!(key.open("totp:8", &sealed), Err(OpenError::WrongKey), "bound to its row");
        assert_eq!(key.open("totp:7", "v1:***"), Err(OpenError::Malformed));
        assert_eq!(key.open("totp:7", "v1:AAAA"), Err(OpenError::Malformed));
        let mut tampered = sealed.clone();
        tampered.replace_range(sealed.len() - 3.., "AAA");
        assert!(key.open("totp:7", &tampered).is_err());
        assert_eq!(key.open("totp:7", "JBSWY3DPEHPK3PXP").as_deref(), Ok("JBSWY3DPEHPK3PXP"), "legacy plaintext");
    }

    #[test]
    fn keys_parse_and_persist() {
        assert!(SecretKey::parse("c2hvcnQ=").is_err());
        assert!(SecretKey::parse("not base64!").is_err());
        let key = SecretKey::generate();
        assert_eq!(SecretKey::parse(&key.to_base64()).ok().map(|k| k.0), Some(key.0));
        assert_eq!(format!("{key:?}"), "SecretKey(***)");

        let dir = tempfile::tempdir().expect("tempdir");
        let first = SecretKey::load_or_create(dir.path()).expect("create");
        let again = SecretKey::load_or_create(dir.path()).expect("load");
        assert_eq!(first.0, again.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn secret_strings_compare_and_hide() {
        let s = SecretString::new("t0ken".into());
        assert!(s.matches("t0ken"));
        assert!(!s.matches("t0ke"));
        assert!(!s.matches(""));
        assert_eq!(format!("{s:?}"), "SecretString(***)");
    }
}
