//! Hashing high-entropy secrets (authorization codes, refresh tokens, CSRF
//! tokens) for storage and lookup: SHA-256, hex. Unlike passwords and client
//! secrets they are 256-bit random values, so a fast hash is enough.

/// The SHA-256 of `secret`, lowercase hex.
pub fn sha256_hex(secret: &str) -> String {
    use std::fmt::Write;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes());
    digest
        .as_ref()
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Compares two secrets in constant time.
pub fn same_secret(a: &str, b: &str) -> bool {
    aws_lc_rs::constant_time::verify_slices_are_equal(a.as_bytes(), b.as_bytes()).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_as_lowercase_hex() {
        assert_eq!(
            super::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(super::same_secret("x", "x"));
        assert!(!super::same_secret("x", "y"));
    }
}
