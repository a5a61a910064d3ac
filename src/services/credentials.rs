//! Signed credentials. Credentials are Open Badges 3.0 `OpenBadgeCredential`s secured as VC-JWTs
//! the way 1EdTech's rules ask (`alg: ES256`, `typ: JWT`, `kid` an absolute URL that returns that
//! one JWK, the claims `iss`, `jti`, `nbf`, `sub` and `exp`). Keys live in the data directory
//! (mode 0600) or, for instances sharing PostgreSQL, in the database. Older Ed25519 keys (the first
//! format, `alg: EdDSA`) stay published so JWTs handed out before still verify, but no longer sign.
use std::path::Path;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use p256::ecdsa::signature::Signer as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::entities::certificates;

/// The official JSON Schema of an `AchievementCredential`, as `credentialSchema` names it.
pub const OB3_SCHEMA: &str =
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json";

#[derive(Serialize, Deserialize)]
struct StoredKey {
    kid: String,
    created: String,
    /// The 32-byte private key (Ed25519 seed or P-256 scalar), base64url.
    seed: String,
    /// `ES256` (P-256); absent for the Ed25519 keys of the first format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alg: Option<String>,
}

#[derive(Serialize, Deserialize, Default)]
struct KeyFile {
    keys: Vec<StoredKey>,
}

enum Material {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

struct Key {
    /// Short id: the RFC 7638 thumbprint for P-256 keys, a truncated hash for Ed25519 ones.
    id: String,
    material: Material,
}

/// Every key: the newest ES256 key signs; all stay published so old credentials still verify.
pub struct SigningKeys {
    keys: Vec<Key>,
    subject_secret: Vec<u8>,
}

fn ed25519_id(signing: &ed25519_dalek::SigningKey) -> String {
    let digest = Sha256::digest(signing.verifying_key().as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

fn p256_coordinates(signing: &p256::ecdsa::SigningKey) -> (String, String) {
    let point = signing.verifying_key().to_encoded_point(false);
    let x = point
        .x()
        .map(|x| URL_SAFE_NO_PAD.encode(x))
        .unwrap_or_default();
    let y = point
        .y()
        .map(|y| URL_SAFE_NO_PAD.encode(y))
        .unwrap_or_default();
    (x, y)
}

/// RFC 7638 thumbprint: SHA-256 of the required members in lexical order, no spaces.
fn p256_id(signing: &p256::ecdsa::SigningKey) -> String {
    let (x, y) = p256_coordinates(signing);
    let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

fn new_es256_key(now: &str) -> anyhow::Result<StoredKey> {
    // Rejection sampling: a random 32-byte string is a valid scalar with overwhelming probability.
    for _ in 0..16 {
        let seed = crate::crypto::random::<32>()?;
        if let Ok(signing) = p256::ecdsa::SigningKey::from_slice(&seed) {
            return Ok(StoredKey {
                kid: p256_id(&signing),
                created: now.to_string(),
                seed: URL_SAFE_NO_PAD.encode(seed),
                alg: Some("ES256".into()),
            });
        }
    }
    anyhow::bail!("could not make a P-256 key")
}

/// Adds an ES256 key when the file has none (files of the first format hold only Ed25519 keys).
fn ensure_es256(file: &mut KeyFile, now: &str) -> anyhow::Result<bool> {
    if file.keys.iter().any(|k| k.alg.as_deref() == Some("ES256")) {
        return Ok(false);
    }
    file.keys.push(new_es256_key(now)?);
    Ok(true)
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

const SHARED_NAME: &str = "signing_keys";

/// Reads the shared key set, lets `change` edit it and stores the result only if nobody else
/// changed it meanwhile (compare and swap on the stored text); retries a few times.
async fn update_shared(
    db: &impl sea_orm::ConnectionTrait,
    now: chrono::DateTime<chrono::Utc>,
    change: impl Fn(&mut KeyFile) -> anyhow::Result<bool>,
) -> anyhow::Result<KeyFile> {
    use crate::entities::app_secrets;
    use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    for _ in 0..5 {
        let row = app_secrets::Entity::find_by_id(SHARED_NAME.to_string())
            .one(db)
            .await?;
        let Some(row) = row else {
            let mut file = KeyFile::default();
            change(&mut file)?;
            app_secrets::Entity::insert(app_secrets::ActiveModel {
                name: Set(SHARED_NAME.into()),
                value: Set(serde_json::to_string(&file)?),
                created_at: Set(now),
            })
            .on_conflict_do_nothing_on([app_secrets::Column::Name])
            .exec_without_returning(db)
            .await?;
            continue;
        };
        let mut file: KeyFile =
            serde_json::from_str(&row.value).context("stored signing keys are damaged")?;
        if !change(&mut file)? {
            return Ok(file);
        }
        let stored = app_secrets::Entity::update_many()
            .col_expr(
                app_secrets::Column::Value,
                Expr::value(serde_json::to_string(&file)?),
            )
            .filter(app_secrets::Column::Name.eq(SHARED_NAME))
            .filter(app_secrets::Column::Value.eq(row.value))
            .exec(db)
            .await?;
        if stored.rows_affected == 1 {
            return Ok(file);
        }
    }
    anyhow::bail!("the shared signing keys kept changing while being updated")
}

impl SigningKeys {
    /// Reads the key file, creating it with one new key if there is none, and adding an ES256 key
    /// to a file of the first format (Ed25519 only).
    ///
    /// # Errors
    /// When the file cannot be read, parsed or written.
    pub fn load_or_create(path: &Path, now: &str) -> anyhow::Result<Self> {
        let mut file = if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_str::<KeyFile>(&text)
                .with_context(|| format!("{} is not a key file", path.display()))?
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            KeyFile::default()
        };
        if ensure_es256(&mut file, now)? {
            write_private(path, serde_json::to_string_pretty(&file)?.as_bytes())?;
        }
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
        let stamp = now.to_rfc3339();
        Self::from_file(update_shared(db, now, |f| ensure_es256(f, &stamp)).await?)
    }

    /// Adds a new ES256 key that signs from now on; the old ones stay published. Returns its id.
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
        let key = new_es256_key(now)?;
        let kid = key.kid.clone();
        file.keys.push(key);
        write_private(path, serde_json::to_string_pretty(&file)?.as_bytes())?;
        Ok(kid)
    }

    /// [`Self::rotate`] for keys kept in the database.
    ///
    /// # Errors
    /// When the database fails or the stored keys are damaged.
    pub async fn rotate_shared(
        db: &impl sea_orm::ConnectionTrait,
        now: chrono::DateTime<chrono::Utc>,
    ) -> anyhow::Result<String> {
        let stamp = now.to_rfc3339();
        let kid = std::sync::Mutex::new(String::new());
        update_shared(db, now, |f| {
            let key = new_es256_key(&stamp)?;
            if let Ok(mut k) = kid.lock() {
                k.clone_from(&key.kid);
            }
            f.keys.push(key);
            Ok(true)
        })
        .await?;
        Ok(kid.into_inner().unwrap_or_default())
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
            let key = match k.alg.as_deref() {
                None | Some("EdDSA") => {
                    let signing = ed25519_dalek::SigningKey::from_bytes(&seed);
                    Key {
                        id: ed25519_id(&signing),
                        material: Material::Ed25519(signing),
                    }
                }
                Some("ES256") => {
                    let signing = p256::ecdsa::SigningKey::from_slice(&seed)
                        .map_err(|_| anyhow::anyhow!("a P-256 signing key is invalid"))?;
                    Key {
                        id: p256_id(&signing),
                        material: Material::P256(signing),
                    }
                }
                Some(other) => anyhow::bail!("unknown signing key algorithm {other}"),
            };
            keys.push(key);
        }
        if !keys.iter().any(|k| matches!(k.material, Material::P256(_))) {
            anyhow::bail!("the key file holds no ES256 key");
        }
        Ok(Self {
            keys,
            subject_secret: Vec::new(),
        })
    }

    /// Sets the secret from which stable, unguessable subject ids are derived.
    #[must_use]
    pub fn with_subject_secret(mut self, secret: Vec<u8>) -> Self {
        self.subject_secret = secret;
        self
    }

    fn current(&self) -> Option<(&Key, &p256::ecdsa::SigningKey)> {
        self.keys.iter().rev().find_map(|k| match &k.material {
            Material::P256(s) => Some((k, s)),
            Material::Ed25519(_) => None,
        })
    }

    /// The `kid` of an ES256 key: the absolute URL that returns its JWK.
    pub fn kid_url(base_url: &str, id: &str) -> String {
        format!("{base_url}/credentials/keys/{id}")
    }

    fn public_jwk(base_url: &str, key: &Key) -> Value {
        match &key.material {
            Material::P256(s) => {
                let (x, y) = p256_coordinates(s);
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "x": x,
                    "y": y,
                    "kid": Self::kid_url(base_url, &key.id),
                    "use": "sig",
                    "alg": "ES256",
                })
            }
            // Ed25519 keys keep the bare `kid` their JWTs carry (RFC 8037 OKP).
            Material::Ed25519(s) => json!({
                "kty": "OKP",
                "crv": "Ed25519",
                "x": URL_SAFE_NO_PAD.encode(s.verifying_key().as_bytes()),
                "kid": key.id,
                "use": "sig",
                "alg": "EdDSA",
            }),
        }
    }

    /// Every public key, current and retired, as a JWK set (RFC 7517).
    pub fn jwks(&self, base_url: &str) -> Value {
        json!({
            "keys": self.keys.iter().map(|k| Self::public_jwk(base_url, k)).collect::<Vec<_>>()
        })
    }

    /// One public key by its short id, as a bare JWK.
    pub fn jwk(&self, base_url: &str, id: &str) -> Option<Value> {
        self.keys
            .iter()
            .find(|k| k.id == id)
            .map(|k| Self::public_jwk(base_url, k))
    }

    /// Signs a JSON payload as a compact JWS: `{"alg":"ES256","typ":"JWT","kid":URL}`.
    /// ECDSA here is deterministic (RFC 6979), so the same payload gives the same JWT.
    pub fn sign_jwt(&self, base_url: &str, payload: &Value) -> String {
        let Some((key, signing)) = self.current() else {
            return String::new();
        };
        let header = json!({
            "alg": "ES256",
            "typ": "JWT",
            "kid": Self::kid_url(base_url, &key.id),
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(payload.to_string())
        );
        let signature: p256::ecdsa::Signature = signing.sign(signing_input.as_bytes());
        format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        )
    }

    /// The holder's stable subject id, `urn:uuid:…`: the same for every certificate of one
    /// account, derived with a server secret so it reveals neither the e-mail nor the account.
    pub fn subject_id(&self, cert: &certificates::Model) -> String {
        let who = cert.user_id.map_or_else(
            || format!("certificate:{}", cert.public_id),
            |u| format!("user:{u}"),
        );
        let mut b = [0u8; 16];
        if let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.subject_secret) {
            mac.update(b"credential-subject:");
            mac.update(who.as_bytes());
            b.copy_from_slice(&mac.finalize().into_bytes()[..16]);
        }
        // RFC 9562 version 8 (custom), variant 10.
        b[6] = (b[6] & 0x0f) | 0x80;
        b[8] = (b[8] & 0x3f) | 0x80;
        format!("urn:uuid:{}", uuid::Uuid::from_bytes(b))
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

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The Open Badges 3.0 `OpenBadgeCredential` for a certificate (unsigned).
pub fn credential(
    keys: &SigningKeys,
    cert: &certificates::Model,
    base_url: &str,
    issuer_name: &str,
) -> Value {
    let mut subject = json!({
        "id": keys.subject_id(cert),
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
    if let Some(minutes) = cert.learning_minutes.and_then(|m| u32::try_from(m).ok()) {
        // Learning hours as an OB 3.0 result: the achievement describes the result (an extension
        // result type, per the spec's `ext:` naming convention) and the subject states its value.
        let described = format!(
            "{base_url}/#achievement-{}-learning-hours",
            cert.course_slug
        );
        subject["achievement"]["resultDescription"] = json!([{
            "id": described,
            "type": ["ResultDescription"],
            "name": "Learning hours recorded (active time on lessons and quizzes, in hours)",
            "resultType": "ext:LearningHours",
            "valueMin": "0",
        }]);
        subject["result"] = json!([{
            "type": ["Result"],
            "resultDescription": described,
            "value": crate::services::learning_time::Minutes(minutes).hours_decimal(),
        }]);
    }
    if cert.holder_removed_at.is_none() {
        subject["name"] = json!(cert.holder_name);
    } else if let Some(s) = subject.as_object_mut() {
        // The holder erased their data: the salted e-mail hash went with their name.
        s.remove("identifier");
    }
    let mut vc = json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
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
        "validFrom": rfc3339(cert.issued_at),
        "credentialSubject": subject,
        "credentialStatus": crate::services::status_list::entry(base_url, cert.id),
        "credentialSchema": [{
            "id": OB3_SCHEMA,
            "type": "1EdTechJsonSchemaValidator2019",
        }],
    });
    if let Some(exp) = cert.expires_at {
        vc["validUntil"] = json!(rfc3339(exp));
    }
    vc
}

/// The JWT claims set of a VC-JWT: the credential itself plus `iss`, `jti`, `nbf`, `sub` and
/// (when it expires) `exp`, each equal to the credential's own field (OB 3.0 §8.2.4).
pub fn jwt_claims(
    vc: &Value,
    issued_at: chrono::DateTime<chrono::Utc>,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Value {
    let mut claims = vc.clone();
    claims["iss"] = vc["issuer"]["id"].clone();
    claims["jti"] = vc["id"].clone();
    claims["nbf"] = json!(issued_at.timestamp());
    if !vc["credentialSubject"]["id"].is_null() {
        claims["sub"] = vc["credentialSubject"]["id"].clone();
    }
    if let Some(exp) = expires_at {
        claims["exp"] = json!(exp.timestamp());
    }
    claims
}

/// The credential of a certificate and its VC-JWT.
pub fn signed_credential(
    keys: &SigningKeys,
    cert: &certificates::Model,
    base_url: &str,
    issuer_name: &str,
) -> (Value, String) {
    let vc = credential(keys, cert, base_url, issuer_name);
    let jwt = keys.sign_jwt(base_url, &jwt_claims(&vc, cert.issued_at, cert.expires_at));
    (vc, jwt)
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

    fn header_of(jwt: &str) -> Value {
        serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(jwt.split('.').next().expect("header"))
                .expect("b64"),
        )
        .expect("json")
    }

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
        let base = "https://learn.example";
        let first = keys.jwks(base)["keys"][0]["kid"].clone();
        SigningKeys::rotate(&path, "later").expect("rotate");
        let again = SigningKeys::load_or_create(&path, "later").expect("keys");
        let jwks = again.jwks(base);
        assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
        assert_eq!(jwks["keys"][0]["kid"], first);
        let jwt = again.sign_jwt(base, &json!({"a": 1}));
        let header = header_of(&jwt);
        assert_eq!(
            header["kid"], jwks["keys"][1]["kid"],
            "the newest key signs"
        );
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["typ"], "JWT");
        assert_eq!(
            header.as_object().map(|h| h.len()),
            Some(3),
            "no other JOSE header"
        );
    }

    #[test]
    fn a_key_file_of_the_first_format_gains_an_es256_key_and_keeps_its_ed25519_key_published() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("keys.json");
        let seed = URL_SAFE_NO_PAD.encode([7u8; 32]);
        std::fs::write(
            &path,
            format!(r#"{{"keys":[{{"kid":"old","created":"then","seed":"{seed}"}}]}}"#),
        )
        .expect("write");
        let keys = SigningKeys::load_or_create(&path, "now").expect("keys");
        let jwks = keys.jwks("https://learn.example");
        let kinds: Vec<&str> = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .filter_map(|k| k["alg"].as_str())
            .collect();
        assert_eq!(kinds, ["EdDSA", "ES256"]);
        let header = header_of(&keys.sign_jwt("https://learn.example", &json!({})));
        assert_eq!(header["alg"], "ES256");
        // The upgrade was saved: loading again adds nothing.
        let again = SigningKeys::load_or_create(&path, "later").expect("keys");
        assert_eq!(again.jwks("https://learn.example"), jwks);
    }

    #[test]
    fn the_es256_signature_verifies_with_the_published_public_key_and_fails_on_a_changed_byte() {
        use p256::ecdsa::signature::Verifier as _;
        let dir = tempfile::tempdir().expect("tmp");
        let keys = SigningKeys::load_or_create(&dir.path().join("k.json"), "now").expect("keys");
        let jwt = keys.sign_jwt("https://x", &json!({"hello": "world"}));
        let jwk = &keys.jwks("https://x")["keys"][0];
        let mut point = vec![4u8];
        for c in ["x", "y"] {
            point.extend(
                URL_SAFE_NO_PAD
                    .decode(jwk[c].as_str().expect("coordinate"))
                    .expect("b64"),
            );
        }
        let public = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).expect("point");
        let (input, sig) = jwt.rsplit_once('.').expect("three parts");
        let sig = p256::ecdsa::Signature::from_slice(&URL_SAFE_NO_PAD.decode(sig).expect("b64"))
            .expect("signature");
        assert!(public.verify(input.as_bytes(), &sig).is_ok());
        let mut changed = input.as_bytes().to_vec();
        changed[input.len() - 2] ^= 1;
        assert!(public.verify(&changed, &sig).is_err());
    }
}
