//! The OpenID Connect part of single sign-on, through the `openidconnect` crate: discovery, the
//! authorization request (code flow with PKCE, `state` and `nonce`), the code exchange and the ID
//! token checks (signature, `iss`, `aud`, `exp`, `iat`, `nonce`). Discovery documents and key sets
//! are cached per issuer; an ID token signed with a key we do not know (rotation) makes us fetch
//! the key set again, at most once a minute per issuer.
use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    JsonWebKeySet, Nonce, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadataWithLogout,
    RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};

use crate::clock::Clock;

/// How long a discovery document (and its key set) is used before it is fetched again.
const DISCOVERY_TTL_MINUTES: i64 = 60;
/// An unknown key id makes us fetch the key set again, but no more often than this per issuer.
const JWKS_REFETCH_SECONDS: i64 = 60;
/// How far an ID token's `iat` may be from our clock.
const IAT_LEEWAY_SECONDS: i64 = 300;

/// Claims beyond the standard ones (`groups`, `tid`...), for the group-to-cohort mapping.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub claims: HashMap<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

type Fields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<Fields, CoreTokenType>;
type OidcClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why talking to a provider failed. Words for the audit log: never a secret or a token.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("provider unreachable or its discovery document is invalid: {0}")]
    Discovery(String),
    #[error("the provider refused the code: {0}")]
    CodeRefused(String),
    #[error("no ID token in the provider's answer")]
    NoIdToken,
    #[error("ID token expired")]
    Expired,
    #[error("ID token nonce does not match")]
    Nonce,
    #[error("ID token signature invalid: {0}")]
    Signature(String),
    #[error("ID token issuer or audience invalid: {0}")]
    IssuerOrAudience(String),
    #[error("ID token invalid: {0}")]
    Claims(String),
    #[error("bad configuration: {0}")]
    Config(String),
}

/// What a provider's account says about the person, after every check.
#[derive(Debug, Clone)]
pub struct VerifiedIdentity {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub other: OtherClaims,
    /// The provider's logout page, when it has one (RP-initiated logout).
    pub end_session_url: Option<String>,
}

/// What the browser is sent to, and what must be kept to finish the sign-in.
pub struct AuthRequest {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The client side of one provider registration.
pub struct Registration<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub redirect_url: &'a str,
}

struct Cached {
    metadata: ProviderMetadataWithLogout,
    fetched_at: DateTime<Utc>,
    jwks_fetched_at: DateTime<Utc>,
}

/// The HTTP client (no redirects followed, against SSRF) and the per-issuer cache.
pub struct OidcClients {
    http: openidconnect::reqwest::Client,
    cache: Mutex<HashMap<String, Cached>>,
}

impl OidcClients {
    /// # Errors
    /// When the HTTP client cannot be built (no TLS roots).
    pub fn new() -> anyhow::Result<Self> {
        let http = openidconnect::reqwest::ClientBuilder::new()
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .connect_timeout(std::time::Duration::from_secs(5))
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build the OpenID HTTP client: {e}"))?;
        Ok(Self {
            http,
            cache: Mutex::new(HashMap::new()),
        })
    }

    fn cached(&self, issuer: &str, now: DateTime<Utc>) -> Option<ProviderMetadataWithLogout> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(issuer)
            .filter(|c| now - c.fetched_at < Duration::minutes(DISCOVERY_TTL_MINUTES))
            .map(|c| c.metadata.clone())
    }

    /// The provider's discovery document and key set, from the cache or fetched.
    async fn metadata(
        &self,
        issuer: &str,
        now: DateTime<Utc>,
    ) -> Result<ProviderMetadataWithLogout, OidcError> {
        if let Some(m) = self.cached(issuer, now) {
            return Ok(m);
        }
        let url =
            IssuerUrl::new(issuer.to_string()).map_err(|e| OidcError::Config(e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(url, &self.http)
            .await
            .map_err(|e| OidcError::Discovery(error_chain(&e)))?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(
                issuer.to_string(),
                Cached {
                    metadata: metadata.clone(),
                    fetched_at: now,
                    jwks_fetched_at: now,
                },
            );
        }
        Ok(metadata)
    }

    /// Fetches the key set again after an unknown key id, unless that was done within the last
    /// minute for this issuer. Returns the refreshed metadata when it fetched.
    async fn refetch_jwks(
        &self,
        issuer: &str,
        metadata: &ProviderMetadataWithLogout,
        now: DateTime<Utc>,
    ) -> Option<ProviderMetadataWithLogout> {
        {
            let mut cache = self.cache.lock().ok()?;
            let entry = cache.get_mut(issuer)?;
            if now - entry.jwks_fetched_at < Duration::seconds(JWKS_REFETCH_SECONDS) {
                return None;
            }
            entry.jwks_fetched_at = now;
        }
        let jwks = JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http)
            .await
            .ok()?;
        let refreshed = metadata.clone().set_jwks(jwks);
        if let Ok(mut cache) = self.cache.lock()
            && let Some(entry) = cache.get_mut(issuer)
        {
            entry.metadata = refreshed.clone();
        }
        Some(refreshed)
    }

    fn client(
        metadata: ProviderMetadataWithLogout,
        reg: &Registration<'_>,
    ) -> Result<OidcClient, OidcError> {
        let redirect = RedirectUrl::new(reg.redirect_url.to_string())
            .map_err(|e| OidcError::Config(e.to_string()))?;
        Ok(OidcClient::from_provider_metadata(
            metadata,
            ClientId::new(reg.client_id.to_string()),
            Some(ClientSecret::new(reg.client_secret.to_string())),
        )
        .set_redirect_uri(redirect))
    }

    /// Discovers the provider (or uses the cache) and makes the authorization request.
    ///
    /// # Errors
    /// `Discovery` when the provider cannot be reached or answers nonsense.
    pub async fn authorize(
        &self,
        reg: &Registration<'_>,
        login_hint: &str,
        now: DateTime<Utc>,
    ) -> Result<AuthRequest, OidcError> {
        let metadata = self.metadata(reg.issuer, now).await?;
        let client = Self::client(metadata, reg)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .add_extra_param("login_hint", login_hint)
            .set_pkce_challenge(challenge)
            .url();
        Ok(AuthRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code (with the PKCE verifier) and checks the ID token against the nonce
    /// and our clock.
    ///
    /// # Errors
    /// See [`OidcError`].
    pub async fn finish(
        &self,
        reg: &Registration<'_>,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
        clock: &Clock,
    ) -> Result<VerifiedIdentity, OidcError> {
        let now = clock.now();
        let metadata = self.metadata(reg.issuer, now).await?;
        let client = Self::client(metadata.clone(), reg)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| OidcError::Config(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| OidcError::CodeRefused(error_chain(&e)))?;
        let id_token = tokens.id_token().ok_or(OidcError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_string());
        let verify = |client: &OidcClient| {
            let clock = clock.clone();
            let iat_clock = clock.clone();
            let verifier = client
                .id_token_verifier()
                .set_time_fn(move || clock.now())
                .set_issue_time_verifier_fn(move |iat| {
                    let now = iat_clock.now();
                    if (now - iat).num_seconds().abs() > IAT_LEEWAY_SECONDS {
                        Err(format!("issued at {iat}, too far from now"))
                    } else {
                        Ok(())
                    }
                });
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims = match verify(&client) {
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey,
            )) => match self.refetch_jwks(reg.issuer, &metadata, now).await {
                Some(refreshed) => verify(&Self::client(refreshed, reg)?),
                None => verify(&client),
            },
            other => other,
        }
        .map_err(classify)?;
        let end_session_url = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_ref()
            .map(|u| end_session_link(u.url(), reg.client_id));
        Ok(VerifiedIdentity {
            subject: claims.subject().as_str().to_string(),
            email: claims.email().map(|e| e.as_str().to_string()),
            email_verified: vouched(claims.email_verified(), claims.additional_claims()),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.as_str().to_string()),
            other: claims.additional_claims().clone(),
            end_session_url,
        })
    }
}

/// Whether the provider vouches for the e-mail address: `email_verified: true`; or, when the
/// token has no `email_verified` at all, `xms_edov: true`. Microsoft Entra ID never sends
/// `email_verified` for work accounts; its optional `xms_edov` claim says the tenant owns the
/// address's domain. An explicit `email_verified: false` is never overridden.
fn vouched(email_verified: Option<bool>, other: &OtherClaims) -> bool {
    email_verified.unwrap_or_else(|| {
        other
            .claims
            .get("xms_edov")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    })
}

fn classify(e: openidconnect::ClaimsVerificationError) -> OidcError {
    use openidconnect::ClaimsVerificationError as E;
    match e {
        E::Expired(_) => OidcError::Expired,
        E::InvalidNonce(_) => OidcError::Nonce,
        E::SignatureVerification(s) => OidcError::Signature(s.to_string()),
        E::InvalidIssuer(m) | E::InvalidAudience(m) => OidcError::IssuerOrAudience(m),
        other => OidcError::Claims(other.to_string()),
    }
}

/// An error and its causes on one line (the crate's errors wrap the HTTP client's).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out.chars().take(300).collect()
}

/// The provider's end-session address with our `client_id` (OpenID Connect RP-Initiated Logout 1.0),
/// so that a provider which asks which service is signing out knows it without an ID token hint.
fn end_session_link(endpoint: &url::Url, client_id: &str) -> String {
    let mut link = endpoint.clone();
    link.query_pairs_mut().append_pair("client_id", client_id);
    link.to_string()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_end_session_link_names_our_client() {
        let endpoint = url::Url::parse("https://login.example/logout?x=1").unwrap();
        assert_eq!(
            super::end_session_link(&endpoint, "deep dive"),
            "https://login.example/logout?x=1&client_id=deep+dive"
        );
    }

    use super::*;

    fn other(json: serde_json::Value) -> OtherClaims {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn an_email_is_vouched_for_by_email_verified_or_else_by_entras_domain_owner_claim() {
        let none = other(serde_json::json!({}));
        let edov = other(serde_json::json!({"xms_edov": true}));
        let edov_text = other(serde_json::json!({"xms_edov": "true"}));
        assert!(vouched(Some(true), &none));
        assert!(
            !vouched(Some(false), &edov),
            "an explicit false stays false"
        );
        assert!(!vouched(None, &none));
        assert!(vouched(None, &edov));
        assert!(!vouched(None, &edov_text), "only a JSON true counts");
    }
}
