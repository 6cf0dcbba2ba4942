//! Finds the browser assets the gateway embeds: GraphiQL and React, installed
//! from the npm registry into `web/node_modules` by `./scripts/web-assets`
//! (never committed, never fetched here). A missing file stops the build with
//! the command that installs it.

use std::path::PathBuf;

const FILES: &[&str] = &[
    "graphiql/graphiql.min.js",
    "graphiql/graphiql.min.css",
    "react/umd/react.production.min.js",
    "react-dom/umd/react-dom.production.min.js",
];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let modules = std::env::var("VDX_WEB_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest.join("../web/node_modules"));
    println!("cargo::rerun-if-env-changed=VDX_WEB_MODULES");
    println!(
        "cargo::rerun-if-changed={}",
        manifest.join("../web/package-lock.json").display()
    );
    let mut missing = Vec::new();
    for file in FILES {
        let path = modules.join(file);
        println!("cargo::rerun-if-changed={}", path.display());
        if !path.is_file() {
            missing.push(path.display().to_string());
        }
    }
    if !missing.is_empty() {
        println!(
            "cargo::error=GraphiQL's assets are missing ({}): run ./scripts/web-assets (npm ci in web/) first",
            missing.join(", ")
        );
        return;
    }
    println!("cargo::rustc-env=VDX_WEB_MODULES={}", modules.display());
}
