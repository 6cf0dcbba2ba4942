//! Stable UPPER_SNAKE `extensions.code`s for every GraphQL error. Resolver
//! errors get theirs from `gql_error` (the `ApiError` codes); parse and
//! validation errors get theirs in the `limits` extension; [`assign`], run on
//! every response, gives one to whatever still has none (async-graphql's
//! request-level errors, persisted-query errors, and, as `INTERNAL` with an
//! opaque message, anything unexpected from execution).

use async_graphql::ServerError;

pub const GRAPHQL_PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const GRAPHQL_VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";
pub const QUERY_TOO_DEEP: &str = "QUERY_TOO_DEEP";
pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
pub const TOO_MANY_ALIASES: &str = "TOO_MANY_ALIASES";
pub const TOO_MANY_DIRECTIVES: &str = "TOO_MANY_DIRECTIVES";
pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
pub const PERSISTED_QUERY_HASH_MISMATCH: &str = "PERSISTED_QUERY_HASH_MISMATCH";
pub const PERSISTED_QUERY_INVALID: &str = "PERSISTED_QUERY_INVALID";
pub const OPERATION_NOT_FOUND: &str = "OPERATION_NOT_FOUND";
pub const OPERATION_NOT_SUPPORTED: &str = "OPERATION_NOT_SUPPORTED";
pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
pub const INTERNAL: &str = "INTERNAL";

/// A request-level error with a code.
pub fn with_code(message: impl Into<String>, code: &'static str) -> ServerError {
    let mut error = ServerError::new(message, None);
    set(&mut error, code);
    error
}

fn has_code(error: &ServerError) -> bool {
    error
        .extensions
        .as_ref()
        .is_some_and(|x| x.get("code").is_some())
}

fn set(error: &mut ServerError, code: &'static str) {
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

fn or_code(mut error: ServerError, code: &'static str) -> ServerError {
    if !has_code(&error) {
        set(&mut error, code);
    }
    error
}

/// An error from parsing (including async-graphql's recursion limit).
pub fn parse_error(error: ServerError) -> ServerError {
    let code = if error.message.starts_with("The recursion depth") {
        QUERY_TOO_DEEP
    } else {
        GRAPHQL_PARSE_FAILED
    };
    or_code(error, code)
}

/// An error from validation (async-graphql's rules and limits).
pub fn validation_error(error: ServerError) -> ServerError {
    let code = match error.message.as_str() {
        "Query is too complex." => QUERY_TOO_COMPLEX,
        "Query is nested too deep." => QUERY_TOO_DEEP,
        _ => GRAPHQL_VALIDATION_FAILED,
    };
    or_code(error, code)
}

/// Gives every error of a response that has no code one.
pub fn assign(errors: &mut [ServerError]) {
    for error in errors.iter_mut().filter(|e| !has_code(e)) {
        let message = error.message.as_str();
        let code = if message == "PersistedQueryNotFound" {
            // Apollo clients look for this message; keep it, add the code.
            PERSISTED_QUERY_NOT_FOUND
        } else if message == "provided sha does not match query" {
            PERSISTED_QUERY_HASH_MISMATCH
        } else if message.contains("\"PersistedQuery\" extension") {
            PERSISTED_QUERY_INVALID
        } else if message.starts_with("Unknown operation named")
            || message.starts_with("Operation name required")
        {
            OPERATION_NOT_FOUND
        } else if message.starts_with("Subscriptions are not supported") {
            OPERATION_NOT_SUPPORTED
        } else if message.starts_with("Failed to parse") || message.starts_with("Invalid value") {
            BAD_USER_INPUT
        } else if error.path.is_empty() {
            GRAPHQL_VALIDATION_FAILED
        } else {
            tracing::error!(error = %error.message, "GraphQL error without a code");
            "internal error".clone_into(&mut error.message);
            INTERNAL
        };
        set(error, code);
    }
}
