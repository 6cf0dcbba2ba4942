//! Generating and hashing secrets: client secrets and driver passwords are
//! stored only as Argon2id PHC strings, and compared in constant time.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use base64::Engine;
use rand::RngCore;

/// A fresh random secret: 32 bytes from the OS, base64url without padding.
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Hashes a secret with Argon2id and a random salt, as a PHC string.
pub fn hash(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)?
        .to_string())
}

/// Checks a secret against a stored PHC string. A malformed hash never matches.
pub fn verify(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(secret.as_bytes(), &parsed)
            .is_ok()
    })
}

/// A hash of a random secret, to verify against when the account does not
/// exist, so that unknown and known usernames take the same time. A constant
/// (its secret was thrown away), so that it cannot fail at run time; a test
/// checks that it uses the parameters of [`hash`].
pub fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$ml5YyDbQbqTgVuuxWodoNA$mcUlrFyEMLAKX4sK8B3f4ghiXgy92/2W34+oO4KuIMs"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_secret() {
        let secret = generate("vdx_");
        let phc = hash(&secret).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify(&secret, &phc));
        assert!(!verify("wrong", &phc));
        assert!(!verify(&secret, "not a hash"));
    }

    #[test]
    fn the_decoy_costs_what_a_real_hash_costs() {
        let decoy = PasswordHash::new(decoy_hash()).unwrap();
        let real_phc = hash("x").unwrap();
        let real = PasswordHash::new(&real_phc).unwrap();
        assert_eq!(decoy.algorithm, real.algorithm);
        assert_eq!(decoy.version, real.version);
        assert_eq!(decoy.params, real.params);
        assert!(!verify("", decoy_hash()));
    }
}
