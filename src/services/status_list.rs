//! Revocation status published as a W3C Bitstring Status List: every certificate has one bit (its
//! row id) in a list of 131,072; a revoked certificate's bit is 1. The list itself is served as a
//! signed `BitstringStatusListCredential` (VC-JWT), built from the database on each request, so a
//! revocation shows at once.
use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde_json::{Value, json};

use crate::entities::certificates;
use crate::services::credentials::{SigningKeys, jwt_claims};

/// Entries per list: the minimum the Bitstring Status List recommendation allows (16 KiB).
pub const LIST_SIZE: i64 = 131_072;

fn list_url(base_url: &str, list: i64) -> String {
    format!("{base_url}/credentials/status/{list}")
}

/// Which list and which bit a certificate has.
pub fn position(cert_id: i32) -> (i64, i64) {
    let id = i64::from(cert_id);
    (id / LIST_SIZE, id % LIST_SIZE)
}

/// The `credentialStatus` of a certificate's credential.
pub fn entry(base_url: &str, cert_id: i32) -> Value {
    let (list, index) = position(cert_id);
    let url = list_url(base_url, list);
    json!({
        "id": format!("{url}#{index}"),
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": index.to_string(),
        "statusListCredential": url,
    })
}

/// Sets the bits (index 0 is the most significant bit of the first byte), gzips the list and
/// encodes it as multibase base64url (`u` prefix), as the recommendation says.
pub fn encode(revoked: &[i64]) -> std::io::Result<String> {
    let mut bits = vec![0u8; usize::try_from(LIST_SIZE / 8).unwrap_or(16_384)];
    for &i in revoked {
        if let Ok(i) = usize::try_from(i.rem_euclid(LIST_SIZE))
            && let Some(byte) = bits.get_mut(i / 8)
        {
            *byte |= 0x80 >> (i % 8);
        }
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&bits)?;
    Ok(format!("u{}", URL_SAFE_NO_PAD.encode(gz.finish()?)))
}

/// The signed status list `list`, or `None` when no certificate could be in it yet.
///
/// # Errors
/// When the database fails.
pub async fn status_list_jwt(
    db: &impl ConnectionTrait,
    keys: &SigningKeys,
    base_url: &str,
    issuer_name: &str,
    list: i64,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    let newest: Option<i32> = certificates::Entity::find()
        .select_only()
        .column_as(certificates::Column::Id.max(), "newest")
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    let first = list * LIST_SIZE;
    if list < 0 || newest.is_none_or(|n| i64::from(n) < first) {
        return Ok(None);
    }
    let revoked: Vec<i32> = certificates::Entity::find()
        .select_only()
        .column(certificates::Column::Id)
        .filter(certificates::Column::RevokedAt.is_not_null())
        .filter(certificates::Column::Id.gte(first))
        .filter(certificates::Column::Id.lt(first + LIST_SIZE))
        .into_tuple::<i32>()
        .all(db)
        .await?;
    let revoked: Vec<i64> = revoked.into_iter().map(|i| i64::from(i) - first).collect();
    let encoded = encode(&revoked).map_err(|e| DbErr::Custom(format!("gzip: {e}")))?;
    let url = list_url(base_url, list);
    let now = now
        .with_timezone(&Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let vc = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": { "id": base_url, "name": issuer_name },
        "validFrom": now,
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    });
    let issued = DateTime::parse_from_rfc3339(&now)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now());
    Ok(Some(
        keys.sign_jwt(base_url, &jwt_claims(&vc, issued, None)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_encoded_list_sets_exactly_the_revoked_bits_counting_from_the_left() {
        let encoded = encode(&[0, 9, LIST_SIZE - 1]).expect("encode");
        let gz = URL_SAFE_NO_PAD
            .decode(encoded.strip_prefix('u').expect("multibase u"))
            .expect("b64");
        let mut bits = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut bits)
            .expect("gunzip");
        assert_eq!(bits.len() * 8, 131_072);
        assert_eq!(bits[0], 0x80);
        assert_eq!(bits[1], 0x40);
        assert_eq!(bits[bits.len() - 1], 0x01);
        assert_eq!(bits.iter().map(|b| b.count_ones()).sum::<u32>(), 3);
    }

    #[test]
    fn a_certificate_id_maps_to_one_list_and_bit() {
        assert_eq!(position(5), (0, 5));
        assert_eq!(position(131_073), (1, 1));
        let e = entry("https://x", 131_073);
        assert_eq!(e["statusListCredential"], "https://x/credentials/status/1");
        assert_eq!(e["statusListIndex"], "1");
        assert_eq!(e["id"], "https://x/credentials/status/1#1");
    }
}
