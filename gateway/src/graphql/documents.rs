//! Parsed-document cache for hot queries: an extension that keeps the parsed
//! form of recently seen query texts, so a partner polling the same query
//! skips the parser. Bounded: at most [`CAPACITY`] documents of at most
//! [`MAX_QUERY_BYTES`] each; when full, an arbitrary entry makes room.
//! Automatic Persisted Queries (async-graphql's `ApolloPersistedQueries`,
//! installed next to it) cache by SHA-256 in the same spirit; their
//! documents arrive parsed, without text, and bypass this cache.
//! Hits and misses are counted on `/metrics`
//! (`vdx_graphql_document_cache_{hits,misses}_total`), so the cache's use is
//! observable from outside.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerResult, Variables};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;

pub const CAPACITY: usize = 1_024;
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

/// The cache, shared by every request of one schema.
#[derive(Clone, Default)]
pub struct DocumentCache {
    documents: Arc<Mutex<HashMap<String, ExecutableDocument>>>,
    hits: Counter,
    misses: Counter,
}

impl DocumentCache {
    /// Adds the hit and miss counters to a metric registry.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "graphql_document_cache_hits",
            "GraphQL query texts served from the parsed-document cache",
            self.hits.clone(),
        );
        registry.register(
            "graphql_document_cache_misses",
            "GraphQL query texts parsed because the cache did not hold them",
            self.misses.clone(),
        );
    }
}

impl ExtensionFactory for DocumentCache {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for DocumentCache {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        // A persisted query arrives already parsed, with no text: there is
        // nothing to key on (and keying on "" would answer every persisted
        // query with the first one).
        if query.is_empty() {
            return next.run(ctx, query, variables).await;
        }
        let lock = || {
            self.documents
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(doc) = lock().get(query) {
            self.hits.inc();
            return Ok(doc.clone());
        }
        self.misses.inc();
        let doc = next.run(ctx, query, variables).await?;
        if query.len() <= MAX_QUERY_BYTES {
            let mut cache = lock();
            if cache.len() >= CAPACITY
                && let Some(evict) = cache.keys().next().cloned()
            {
                cache.remove(&evict);
            }
            cache.insert(query.to_owned(), doc.clone());
        }
        Ok(doc)
    }
}
