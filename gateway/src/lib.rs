//! The vdx gateway: the only crate that knows HTTP and GraphQL.
//!
//! Request path: request id → metrics → problem mapping → authn (JWT to a
//! typed `Principal`, in the extractors) → consent decision (a `Grant`) →
//! field filter (`AuthorizedFields`) → store read (takes the fields, writes
//! the access log) → response.
//!
//! The REST routes and the OpenAPI document come from one registration
//! (`routes::rest`, see `openapi`). The operator's tools (`cli`, `demo`,
//! `simulate`) live in this crate for the `vdx` binary; nothing on the
//! request path imports them (checked by a test at the end of this file).

/// `Debug` for a type that holds secrets, keys or live connections: shows
/// only the named fields, then `..` for the rest, so nothing else can reach
/// a log through `{:?}`. Defined before the modules so all of them see it.
macro_rules! debug_showing {
    ($ty:ident { $($field:ident),+ $(,)? }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty))
                    $(.field(stringify!($field), &self.$field))+
                    .finish_non_exhaustive()
            }
        }
    };
}

pub mod auth;
pub mod authorization;
pub mod cli;
pub mod config;
pub mod csv;
pub mod db;
pub mod demo;
pub mod edge;
pub mod graphql;
pub mod logging;
pub mod metrics;
pub mod openapi;
pub mod pages;
mod partner;
mod policy_writes;
pub mod portal;
pub mod problem;
mod problem_mw;
pub mod request_id;
pub mod revealed;
pub mod routes;
pub mod run_error;
pub mod simulate;
pub mod startup;
pub mod state;

/// The layering the module docs promise, checked on the sources.
#[cfg(test)]
mod layering {
    use std::path::Path;

    /// The operator's tools: the command line, the demo world and the
    /// simulator. They use the request path; it never uses them.
    const TOOLS: [&str; 3] = ["cli", "demo", "simulate"];

    fn is_tool(relative: &Path) -> bool {
        let first = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .unwrap_or("");
        let stem = first.trim_end_matches(".rs");
        TOOLS.contains(&stem) || stem == "main" || stem == "lib"
    }

    fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    fn imports_a_tool(source: &str) -> Option<String> {
        let source = source.replace(char::is_whitespace, "");
        for tool in TOOLS {
            if source.contains(&format!("crate::{tool}::"))
                || source.contains(&format!("crate::{tool};"))
            {
                return Some(tool.to_owned());
            }
        }
        // Grouped imports: `use crate::{auth, cli, ...};`.
        let mut rest = source.as_str();
        while let Some(at) = rest.find("crate::{") {
            let group = &rest[at + "crate::{".len()..];
            let group = &group[..group.find("};").unwrap_or(group.len())];
            for tool in TOOLS {
                let named = group
                    .split([',', '{', '}'])
                    .any(|item| item == tool || item.starts_with(&format!("{tool}::")));
                if named {
                    return Some(tool.to_owned());
                }
            }
            rest = &rest[at + 1..];
        }
        None
    }

    #[test]
    fn nothing_on_the_request_path_imports_the_cli_the_demo_or_the_simulator() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        assert!(files.len() > 20, "found only {} sources", files.len());
        for file in files {
            let relative = file.strip_prefix(&src).unwrap();
            if is_tool(relative) {
                continue;
            }
            let source = std::fs::read_to_string(&file).unwrap();
            assert!(
                imports_a_tool(&source).is_none(),
                "{} imports crate::{}",
                relative.display(),
                imports_a_tool(&source).unwrap_or_default()
            );
        }
    }

    #[test]
    fn the_check_sees_direct_and_grouped_imports() {
        assert!(imports_a_tool("use crate::demo::world;").is_some());
        assert!(imports_a_tool("use crate::{auth, cli, routes};").is_some());
        assert!(imports_a_tool("let x = crate::simulate::run();").is_some());
        assert!(imports_a_tool("use crate::{auth, routes::commands};").is_none());
        assert!(imports_a_tool("use crate::{auth, routes};").is_none());
    }
}
