//! Signed credentials: Ed25519 keys (generated on first start into the data directory, mode 0600,
//! or read from a shared file), the public JWK set, and Open Badges 3.0 credentials secured as a
//! compact JWS (VC-JOSE, `typ: vc+jwt`, `alg: EdDSA`).
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::entities::certificates;

#[derive(Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    created: String,
    /// The 32-byte Ed25519 seed, base64url.
    seed: String,
}

#[derive(Serialize, Deserialize, Default)]
struct KeyFile {
    keys: Vec<StoredKey>,
}

struct Key {
    kid: String,
    signing: SigningKey,
}

/// Every signing key: the newest signs; all stay published so old credentials still verify.
pub struct SigningKeys {
    keys: Vec<Key>,
}

fn kid_for(signing: &SigningKey) -> String {
    let digest = Sha256::digest(signing.verifying_key().as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

fn new_key(now: &str) -> anyhow::Result<StoredKey> {
    let seed = crate::crypto::random::<32>()?;
    let signing = SigningKey::from_bytes(&seed);
    Ok(StoredKey {
        kid: kid_for(&signing),
        created: now.to_string(),
        seed: URL_SAFE_NO_PAD.encode(seed),
    })
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

impl SigningKeys {
    /// Reads the key file, creating it with one new key if there is none.
    ///
    /// # Errors
    /// When the file cannot be read, parsed or written.
    pub fn load_or_create(path: &Path, now: &str) -> anyhow::Result<Self> {
        let file = if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str::<KeyFile>(&text)
                .with_context(|| format!("{} is not a key file", path.display()))?
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let file = KeyFile {
                keys: vec![new_key(now)?],
            };
            write_private(path, serde_json::to_string_pretty(&file)?.as_bytes())?;
            file
        };
        Self::from_file(file)
    }

    /// Reads the keys from the database (for several instances sharing PostgreSQL), creating
    /// them on first use; concurrent first starts agree on one set.
    ///
    /// # Errors
    /// When the database fails or the stored keys are damaged.
    pub async fn load_or_create_shared(
        db: &impl sea_orm::ConnectionTrait,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<Self> {
        use crate::entities::app_secrets;
        use sea_orm::{ActiveValue::Set, EntityTrait};
        const NAME: &str = "signing_keys";
        if app_secrets::Entity::find_by_id(NAME.to_string())
            .one(db)
            .await?
            .is_none()
        {
            let file = KeyFile {
                keys: vec![new_key(&now.to_rfc3339())?],
            };
            app_secrets::Entity::insert(app_secrets::ActiveModel {
                name: Set(NAME.into()),
                value: Set(serde_json::to_string(&file)?),
                created_at: Set(now),
            })
            .on_conflict_do_nothing_on([app_secrets::Column::Name])
            .exec_without_returning(db)
            .await?;
        }
        let row = app_secrets::Entity::find_by_id(NAME.to_string())
            .one(db)
            .await?
            .context("signing keys vanished after insert")?;
        Self::from_file(
            serde_json::from_str(&row.value).context("stored signing keys are damaged")?,
        )
    }

    /// Adds a new key that signs from now on; the old ones stay published.
    ///
    /// # Errors
    /// When the file cannot be read or written.
    pub fn rotate(path: &Path, now: &str) -> anyhow::Result<String> {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let mut file: KeyFile = if text.is_empty() {
            KeyFile::default()
        } else {
            serde_json::from_str(&text)?
        };
        let key = new_key(now)?;
        let kid = key.kid.clone();
        file.keys.push(key);
        write_private(path, serde_json::to_string_pretty(&file)?.as_bytes())?;
        Ok(kid)
    }

    fn from_file(file: KeyFile) -> anyhow::Result<Self> {
        let mut keys = Vec::new();
        for k in file.keys {
            let seed = URL_SAFE_NO_PAD
                .decode(&k.seed)
                .context("a signing key is not base64url")?;
            let seed: [u8; 32] = seed
                .try_into()
                .map_err(|_| anyhow::anyhow!("a signing key is not 32 bytes"))?;
            let signing = SigningKey::from_bytes(&seed);
            keys.push(Key {
                kid: kid_for(&signing),
                signing,
            });
        }
        if keys.is_empty() {
            anyhow::bail!("the key file holds no keys");
        }
        Ok(Self { keys })
    }

    fn current(&self) -> Option<&Key> {
        self.keys.last()
    }

    /// The public keys as a JWK set (RFC 7517, OKP/Ed25519 per RFC 8037).
    pub fn jwks(&self) -> Value {
        json!({
            "keys": self.keys.iter().map(|k| json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(k.signing.verifying_key().as_bytes()),
                "kid": k.kid,
                "use": "sig",
                "alg": "EdDSA",
            })).collect::<Vec<_>>()
        })
    }

    /// Signs a JSON payload as a compact JWS with `typ: vc+jwt`.
    pub fn sign_vc(&self, payload: &Value) -> String {
        let Some(key) = self.current() else {
            return String::new();
        };
        let header = json!({ "alg": "EdDSA", "typ": "vc+jwt", "kid": key.kid });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let signature = key.signing.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }
}

/// The module lines stored on a certificate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CertificateModule {
    pub number: usize,
    pub title: String,
    pub completed_at: String,
    pub best_score: Option<i32>,
}

/// The Open Badges 3.0 `OpenBadgeCredential` for a certificate.
pub fn credential(cert: &certificates::Model, base_url: &str, issuer_name: &str) -> Value {
    let code = &cert.code;
    let mut subject = json!({
        "type": ["AchievementSubject"],
        "identifier": [{
            "type": "IdentityObject",
            "identityHash": format!("sha256${}", cert.email_hash),
            "identityType": "emailAddress",
            "hashed": true,
            "salt": cert.email_salt,
        }],
        "achievement": {
            "id": format!("{base_url}/#achievement-{}", cert.course_slug),
            "type": ["Achievement"],
            "name": format!("{} (version {})", cert.course_title, cert.course_version),
            "description": "Completed all five modules of the AI Deep Dive, a self-paced course based on the NHS AI Lab Skunkworks workshops: AI fundamentals, problem discovery, solution discovery, practicalities, and launching an AI experiment.",
            "criteria": { "narrative": "Completed every lesson and passed the quiz of each of the five modules." },
            "achievementType": "Certificate",
        },
    });
    if cert.holder_removed_at.is_none() {
        subject["name"] = json!(cert.holder_name);
    } else if let Some(s) = subject.as_object_mut() {
        // The holder erased their data: the salted e-mail hash went with their name.
        s.remove("identifier");
    }
    let mut vc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
        ],
        "id": format!("urn:uuid:{}", cert.public_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": format!("{} certificate of completion", cert.course_title),
        "issuer": {
            "id": base_url,
            "type": ["Profile"],
            "name": issuer_name,
            "url": base_url,
        },
        "validFrom": cert.issued_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": format!("{base_url}/verify/{code}/status"),
            "type": "DeepdiveCertificateStatus",
        },
    });
    if let Some(exp) = cert.expires_at {
        vc["validUntil"] = json!(exp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    vc
}

/// The salted hash of an e-mail address for a credential's identity.
pub fn email_identity(email: &str) -> anyhow::Result<(String, String)> {
    let salt = crate::crypto::random::<16>()?;
    let salt: String = salt.iter().map(|b| format!("{b:02x}")).collect();
    let hash: String = Sha256::digest(format!("{}{salt}", email.to_lowercase()).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((hash, salt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_with_owner_only_permissions_and_rotation_keeps_old_kids() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("keys.json");
        let keys = SigningKeys::load_or_create(&path, "now").expect("keys");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let first = keys.jwks()["keys"][0]["kid"].clone();
        SigningKeys::rotate(&path, "later").expect("rotate");
        let again = SigningKeys::load_or_create(&path, "later").expect("keys");
        let jwks = again.jwks();
        assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
        assert_eq!(jwks["keys"][0]["kid"], first);
        let jws = again.sign_vc(&json!({"a": 1}));
        let header: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jws.split('.').next().expect("header"))
                .expect("b64"),
        )
        .expect("json");
        assert_eq!(
            header["kid"], jwks["keys"][1]["kid"],
            "the newest key signs"
        );
    }
}
