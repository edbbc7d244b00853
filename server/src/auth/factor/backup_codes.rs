//! Backup codes (the `backup_codes` table): ten single-use codes of 50 bits each, `xxxxx-xxxxx`, stored
//! as keyed hashes. A method of the second step like the factors, though not enrolled on its own.
use sqlx::Row;

use super::{Ctx, Verdict};
use crate::crypto::fill_random;
use crate::db::{Conn, Tx};
use crate::keyring::Keyring;
use app::error::AppError;

pub const COUNT: usize = 10;
/// Crockford's base32 alphabet: no i, l, o, u to misread.
const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// An email warns when this many (or fewer) codes remain.
pub const LOW: i64 = 2;

/// `xxxxx-xxxxx`: ten characters of 5 bits each.
pub fn generate_one() -> String {
    let mut bytes = [0u8; 10];
    fill_random(&mut bytes);
    let chars: String = bytes
        .iter()
        .map(|b| ALPHABET[(b & 31) as usize] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// The canonical form of a typed code: lower case, no dash or spaces, misreadings mapped (o→0, i/l→1).
pub fn normalize(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect();
    (code.len() == 10 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A new set of codes for the user; the old set stops working, in the same transaction (two requests
/// at once never leave two sets). Answers the codes (shown once).
pub async fn replace(
    tx: &mut Tx,
    keys: &Keyring,
    user_id: i64,
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    delete_all(tx, user_id).await?;
    let mut codes = Vec::with_capacity(COUNT);
    while codes.len() < COUNT {
        let code = generate_one();
        if codes.contains(&code) {
            continue;
        }
        let canonical = normalize(&code).unwrap_or_default();
        sqlx::query(
            "INSERT INTO backup_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(keys.code_hash(&canonical))
        .bind(now)
        .execute(&mut **tx)
        .await?;
        codes.push(code);
    }
    Ok(codes)
}

/// Spends a code: true exactly once per code, even for simultaneous uses.
pub async fn consume(
    conn: &mut Conn,
    keys: &Keyring,
    user_id: i64,
    input: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let Some(code) = normalize(input) else {
        return Ok(false);
    };
    let done = sqlx::query(
        "UPDATE backup_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .bind(keys.code_hash(&code))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn remaining(conn: &mut Conn, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query("SELECT COUNT(*) AS n FROM backup_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")
}

pub async fn delete_all(conn: &mut Conn, user_id: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM backup_codes WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The second step with a backup code.
pub async fn verify_answer(
    ctx: &Ctx<'_>,
    conn: &mut Conn,
    code: &str,
) -> Result<Verdict, sqlx::Error> {
    Ok(
        if consume(conn, ctx.keys, ctx.user.id, code, ctx.now).await? {
            Verdict::Accepted {
                clock_drift_steps: None,
            }
        } else {
            Verdict::Refused(AppError::BackupCodeInvalid)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_and_distinct() {
        let a = generate_one();
        assert_eq!(a.len(), 11);
        assert_eq!(&a[5..6], "-");
        assert_ne!(a, generate_one());
        assert_eq!(
            normalize(&a).map(|c| c.len()),
            Some(10),
            "50 bits: 10 characters of 5 bits"
        );
    }

    #[test]
    fn typing_mistakes_that_cannot_be_ambiguous_are_forgiven() {
        assert_eq!(normalize(" ABCDE-FGH0K "), Some("abcdefgh0k".into()));
        assert_eq!(
            normalize("abcdo-fghik"),
            Some("abcd0fgh1k".into()),
            "o and i read as 0 and 1"
        );
        assert_eq!(normalize("abcd"), None);
        assert_eq!(normalize("abcde-fghu1"), None, "u is not in the alphabet");
    }
}
