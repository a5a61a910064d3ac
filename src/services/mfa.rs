//! Two-step verification with an authenticator app (TOTP, RFC 6238: SHA-1, 6 digits, 30 s) and
//! one-time recovery codes. A code is accepted for the current time-step or one either side, and
//! never twice: the last accepted step is stored and only a later one is taken, with a guarded
//! update so that two requests racing with the same code cannot both win.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, TransactionTrait, sea_query::Expr, sea_query::ExprTrait, sea_query::OnConflict,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, TOTP};

use crate::clock::Clock;
use crate::entities::{mfa_recovery_codes, mfa_totp};
use crate::services::audit::{self, Actor, AuditAction};

pub const STEP_SECONDS: u64 = 30;
pub const RECOVERY_CODES: usize = 10;
const SECRET_BYTES: usize = 20;
const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = BASE32
            .iter()
            .position(|b| char::from(*b) == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

fn totp(secret: &[u8]) -> anyhow::Result<TOTP> {
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS, secret.to_vec())
        .map_err(|e| anyhow::anyhow!("TOTP secret: {e}"))
}

/// The code an authenticator shows for `secret` (base32) during time-step `step`.
///
/// # Errors
/// When the stored secret is not valid base32 of at least 128 bits.
pub fn code_for_step(secret: &str, step: u64) -> anyhow::Result<String> {
    let bytes = base32_decode(secret).ok_or_else(|| anyhow::anyhow!("secret is not base32"))?;
    Ok(totp(&bytes)?.generate(step * STEP_SECONDS))
}

pub fn step_at(now: DateTime<Utc>) -> u64 {
    u64::try_from(now.timestamp()).unwrap_or(0) / STEP_SECONDS
}

/// A code as typed: spaces and hyphens dropped, letters upper-cased.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &str, account: &str, issuer: &str) -> String {
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// The QR code of `data` as an SVG element: one path of dark squares, no inline style (the CSP forbids it).
///
/// # Errors
/// When the data does not fit a QR code.
pub fn qr_svg(data: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).map_err(|e| anyhow::anyhow!("QR code: {e}"))?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let mut path = String::new();
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i % width + quiet, i / width + quiet);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"220\" height=\"220\" role=\"img\" aria-label=\"QR code for your authenticator app\" shape-rendering=\"crispEdges\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

fn random_bytes(n: usize) -> anyhow::Result<Vec<u8>> {
    Ok(crate::crypto::random_vec(n)?)
}

fn hash_code(code: &str) -> String {
    Sha256::digest(normalise(code).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The characters of new recovery codes: no I, L, O, 0 or 1, which people misread as each other
/// when they type a code from paper. (Codes made before keep working: any code is compared by its
/// hash after `normalise`.)
pub const RECOVERY_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Ten fresh recovery codes like `K7QD-2MXA-PZ` (49 random bits each).
///
/// # Errors
/// When the system has no randomness.
pub fn fresh_recovery_codes() -> anyhow::Result<Vec<String>> {
    let base = u128::try_from(RECOVERY_ALPHABET.len()).unwrap_or(31);
    (0..RECOVERY_CODES)
        .map(|_| {
            let bytes: [u8; 16] = random_bytes(16)?
                .try_into()
                .map_err(|_| anyhow::anyhow!("short random read"))?;
            // 128 random bits spread over 10 characters of 31: the bias is far below 2^-70.
            let mut n = u128::from_le_bytes(bytes);
            let mut code = String::with_capacity(10);
            for _ in 0..10 {
                let i = usize::try_from(n % base).unwrap_or(0);
                code.push(char::from(
                    RECOVERY_ALPHABET.get(i).copied().unwrap_or(b'A'),
                ));
                n /= base;
            }
            Ok(format!("{}-{}-{}", &code[0..4], &code[4..8], &code[8..10]))
        })
        .collect()
}

/// The user's authenticator, if they have one turned on.
///
/// # Errors
/// When the database fails.
pub async fn enabled(db: &impl ConnectionTrait, user_id: i32) -> Result<bool, DbErr> {
    Ok(mfa_totp::Entity::find_by_id(user_id)
        .filter(mfa_totp::Column::EnabledAt.is_not_null())
        .one(db)
        .await?
        .is_some())
}

/// How many unused recovery codes the user has left.
///
/// # Errors
/// When the database fails.
pub async fn recovery_codes_left(db: &impl ConnectionTrait, user_id: i32) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    mfa_recovery_codes::Entity::find()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .filter(mfa_recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await
}

/// The secret of an unfinished enrolment, made (or replaced, when `fresh`) if needed. `None` when
/// two-step verification is already on.
///
/// # Errors
/// When the database fails.
pub async fn pending_secret(
    db: &impl ConnectionTrait,
    user_id: i32,
    fresh: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let row = mfa_totp::Entity::find_by_id(user_id).one(db).await?;
    match row {
        Some(r) if r.enabled_at.is_some() => Ok(None),
        Some(r) if !fresh => Ok(Some(r.secret)),
        _ => {
            let secret = base32_encode(&random_bytes(SECRET_BYTES)?);
            mfa_totp::Entity::insert(mfa_totp::ActiveModel {
                user_id: Set(user_id),
                secret: Set(secret.clone()),
                enabled_at: Set(None),
                last_step: Set(0),
                created_at: Set(now),
            })
            .on_conflict(
                OnConflict::column(mfa_totp::Column::UserId)
                    .update_columns([mfa_totp::Column::Secret, mfa_totp::Column::CreatedAt])
                    .action_and_where(
                        Expr::col((mfa_totp::Entity, mfa_totp::Column::EnabledAt)).is_null(),
                    )
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
            Ok(Some(secret))
        }
    }
}

/// Takes a TOTP code for `row` if it matches a step not used before; records that step.
async fn take_totp(
    db: &impl ConnectionTrait,
    row: &mfa_totp::Model,
    code: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(false);
    }
    let current = step_at(now);
    for step in [current.saturating_sub(1), current, current + 1] {
        let step_i = i64::try_from(step).unwrap_or(i64::MAX);
        if step_i <= row.last_step {
            continue;
        }
        let expected = code_for_step(&row.secret, step)?;
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
            let res = mfa_totp::Entity::update_many()
                .col_expr(mfa_totp::Column::LastStep, Expr::value(step_i))
                .filter(mfa_totp::Column::UserId.eq(row.user_id))
                .filter(mfa_totp::Column::LastStep.lt(step_i))
                .exec(db)
                .await?;
            return Ok(res.rows_affected == 1);
        }
    }
    Ok(false)
}

/// Confirms enrolment with the first code from the app: turns two-step verification on and returns
/// new recovery codes (shown once), or `None` when the code is wrong. Every other session of the
/// person ends (it did not pass the new second step), and the change is audited, in one transaction.
///
/// # Errors
/// When the database fails.
pub async fn confirm(
    db: &DatabaseConnection,
    clock: &Clock,
    actor: &Actor,
    code: &str,
    current_session: &str,
) -> anyhow::Result<Option<Vec<String>>> {
    let (user_id, now) = (actor.user_id, clock.now());
    let Some(row) = mfa_totp::Entity::find_by_id(user_id)
        .filter(mfa_totp::Column::EnabledAt.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    if !take_totp(&txn, &row, &normalise(code), now).await? {
        return Ok(None);
    }
    mfa_totp::Entity::update_many()
        .col_expr(mfa_totp::Column::EnabledAt, Expr::value(now))
        .filter(mfa_totp::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    let codes = replace_recovery_codes(&txn, user_id).await?;
    crate::services::sessions::end_others(&txn, user_id, current_session).await?;
    audit::record(&txn, clock, actor.event(AuditAction::MfaEnabled, None)).await?;
    txn.commit().await?;
    Ok(Some(codes))
}

async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    user_id: i32,
) -> anyhow::Result<Vec<String>> {
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let codes = fresh_recovery_codes()?;
    mfa_recovery_codes::Entity::insert_many(codes.iter().map(|c| {
        mfa_recovery_codes::ActiveModel {
            user_id: Set(user_id),
            code_hash: Set(hash_code(c)),
            used_at: Set(None),
            ..Default::default()
        }
    }))
    .exec_without_returning(db)
    .await?;
    Ok(codes)
}

/// New recovery codes in place of the old ones (which stop working), audited.
///
/// # Errors
/// When the database fails.
pub async fn new_recovery_codes(
    db: &DatabaseConnection,
    clock: &Clock,
    actor: &Actor,
) -> anyhow::Result<Vec<String>> {
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    let codes = replace_recovery_codes(&txn, actor.user_id).await?;
    let event = actor.event(AuditAction::RecoveryCodesReplaced, None);
    audit::record(&txn, clock, event).await?;
    txn.commit().await?;
    Ok(codes)
}

/// How a second step was passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Passed {
    Authenticator,
    RecoveryCode,
}

/// Checks a code typed at login: a current authenticator code not used before, or an unused
/// recovery code (which is then spent). `None` when it is neither.
///
/// # Errors
/// When the database fails.
pub async fn verify(
    db: &impl ConnectionTrait,
    user_id: i32,
    code: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Passed>> {
    let Some(row) = mfa_totp::Entity::find_by_id(user_id)
        .filter(mfa_totp::Column::EnabledAt.is_not_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let code = normalise(code);
    if take_totp(db, &row, &code, now).await? {
        return Ok(Some(Passed::Authenticator));
    }
    if code.len() == 10 {
        let res = mfa_recovery_codes::Entity::update_many()
            .col_expr(mfa_recovery_codes::Column::UsedAt, Expr::value(now))
            .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
            .filter(mfa_recovery_codes::Column::CodeHash.eq(hash_code(&code)))
            .filter(mfa_recovery_codes::Column::UsedAt.is_null())
            .exec(db)
            .await?;
        if res.rows_affected == 1 {
            return Ok(Some(Passed::RecoveryCode));
        }
    }
    Ok(None)
}

/// Turns two-step verification off: the secret and the recovery codes are deleted, audited.
///
/// # Errors
/// When the database fails.
pub async fn disable(db: &DatabaseConnection, clock: &Clock, actor: &Actor) -> Result<(), DbErr> {
    let user_id = actor.user_id;
    let txn = db.begin_with_options(crate::db::WRITE).await?;
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .exec(&txn)
        .await?;
    mfa_totp::Entity::delete_by_id(user_id).exec(&txn).await?;
    audit::record(&txn, clock, actor.event(AuditAction::MfaDisabled, None)).await?;
    txn.commit().await
}

/// Whether this user must have two-step verification: platform admins always, and org admins of an
/// organisation that asks for it.
///
/// # Errors
/// When the database fails.
pub async fn required_for(
    db: &impl ConnectionTrait,
    user: &crate::services::sessions::SignedIn,
) -> Result<bool, DbErr> {
    use crate::entities::{org_members, organisations};
    use sea_orm::QuerySelect;
    if user.role == crate::domain::Role::PlatformAdmin {
        return Ok(true);
    }
    let orgs: Vec<i32> = org_members::Entity::find()
        .select_only()
        .column(org_members::Column::OrgId)
        .filter(org_members::Column::UserId.eq(user.id))
        .filter(org_members::Column::Role.eq(crate::domain::MemberRole::OrgAdmin))
        .into_tuple()
        .all(db)
        .await?;
    if orgs.is_empty() {
        return Ok(false);
    }
    Ok(organisations::Entity::find()
        .filter(organisations::Column::Id.is_in(orgs))
        .filter(organisations::Column::RequireAdminMfa.eq(true))
        .one(db)
        .await?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("MZXW6YTBOI").as_deref(), Some(&b"foobar"[..]));
        assert_eq!(
            base32_decode("mzxw 6ytb oi").as_deref(),
            Some(&b"foobar"[..])
        );
        assert!(base32_decode("not base32!").is_none());
    }

    #[test]
    fn codes_match_the_rfc_6238_test_vector() {
        // RFC 6238 appendix B, SHA-1, T = 59 s → 94287082 (8 digits); its last 6 are 287082.
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(code_for_step(&secret, 59 / STEP_SECONDS).unwrap(), "287082");
    }

    #[test]
    fn recovery_codes_are_ten_distinct_grouped_codes() {
        let codes = fresh_recovery_codes().unwrap();
        assert_eq!(codes.len(), 10);
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 12 && normalise(c).len() == 10)
        );
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), 10);
    }

    #[test]
    fn new_recovery_codes_never_use_characters_that_look_alike() {
        for _ in 0..50 {
            for c in fresh_recovery_codes().unwrap() {
                assert!(!normalise(&c).contains(['I', 'L', 'O', '0', '1']), "{c}");
            }
        }
    }
}
