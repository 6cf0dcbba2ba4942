//! Limits on the shape of a GraphQL document, checked on the parsed document
//! before validation and execution (so a refusal costs one walk over the
//! document): the depth of data fields ([`MAX_DEPTH`]), the depth of
//! introspection (`__schema` / `__type` subtrees, [`MAX_INTROSPECTION_DEPTH`],
//! deep enough for the standard introspection query tools send), aliases
//! ([`MAX_ALIASES`]) and directives ([`MAX_DIRECTIVES`]) per document.
//! Fragments count wherever they are spread.
//!
//! async-graphql's own depth limit counts introspection like data, and its
//! validation skips `__typename`; this extension adds each `__typename` to the
//! complexity async-graphql computed, so the limit and the rate-limit charge
//! see it. It also gives parse and validation errors their codes (see `codes`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use super::codes;
use super::{MAX_COMPLEXITY, MAX_DEPTH};

/// Most nested an introspection query may be (graphql-js's standard query is 15 deep).
pub const MAX_INTROSPECTION_DEPTH: usize = 20;
/// Most aliases a document may use, counted where fragments are spread.
pub const MAX_ALIASES: usize = 30;
/// Most directives a document may use, counted where fragments are spread.
pub const MAX_DIRECTIVES: usize = 50;

/// The extension; one instance per request.
pub struct ShapeLimits;

impl ExtensionFactory for ShapeLimits {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ShapeLimitsExtension::default())
    }
}

#[derive(Default)]
struct ShapeLimitsExtension {
    /// The `__typename` fields of the request's document.
    typenames: AtomicUsize,
}

#[async_graphql::async_trait::async_trait]
impl Extension for ShapeLimitsExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next
            .run(ctx, query, variables)
            .await
            .map_err(codes::parse_error)?;
        let shape = Shape::of(&doc);
        // One row per limit: what was measured, the limit, the error code, and
        // the message's words before and after the measure.
        #[rustfmt::skip]
        let limits = [
            (shape.depth.data, MAX_DEPTH, codes::QUERY_TOO_DEEP, "Query is nested too deep: ", " levels of fields"),
            (shape.depth.introspection, MAX_INTROSPECTION_DEPTH, codes::QUERY_TOO_DEEP, "Introspection is nested too deep: ", " levels of fields"),
            (shape.counts.aliases, MAX_ALIASES, codes::TOO_MANY_ALIASES, "The query uses ", " aliases"),
            (shape.counts.directives, MAX_DIRECTIVES, codes::TOO_MANY_DIRECTIVES, "The query uses ", " directives"),
        ];
        for (measured, limit, code, before, after) in limits {
            if measured > limit {
                return Err(codes::with_code(
                    format!("{before}{measured}{after}; the limit is {limit}."),
                    code,
                ));
            }
        }
        self.typenames
            .store(shape.counts.typenames, Ordering::Relaxed);
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let mut result = next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(codes::validation_error)
                .collect::<Vec<_>>()
        })?;
        result.complexity = result
            .complexity
            .saturating_add(self.typenames.load(Ordering::Relaxed));
        if result.complexity > MAX_COMPLEXITY {
            return Err(vec![codes::with_code(
                format!(
                    "Query is too complex: {}; the limit is {MAX_COMPLEXITY}.",
                    result.complexity
                ),
                codes::QUERY_TOO_COMPLEX,
            )]);
        }
        Ok(result)
    }
}

/// The deepest paths of a selection: through data fields only, and through an
/// introspection field (everything below `__schema` or `__type` counts there).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Depth {
    data: usize,
    introspection: usize,
}

impl Depth {
    fn max(self, other: Self) -> Self {
        Self {
            data: self.data.max(other.data),
            introspection: self.introspection.max(other.introspection),
        }
    }
}

/// What a selection costs in aliases, directives and `__typename` fields.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Counts {
    aliases: usize,
    directives: usize,
    typenames: usize,
}

impl Counts {
    fn add(self, other: Self) -> Self {
        Self {
            aliases: self.aliases.saturating_add(other.aliases),
            directives: self.directives.saturating_add(other.directives),
            typenames: self.typenames.saturating_add(other.typenames),
        }
    }
}

/// A document's shape, over all its operations, fragments expanded where
/// they are spread (each fragment measured once; a fragment cycle, which
/// validation refuses, counts as empty here).
#[derive(Debug, Default)]
struct Shape {
    depth: Depth,
    counts: Counts,
}

impl Shape {
    fn of(doc: &ExecutableDocument) -> Self {
        let mut walk = Walk {
            doc,
            fragments: HashMap::new(),
            visiting: HashSet::new(),
        };
        let mut shape = Shape::default();
        for (_, operation) in doc.operations.iter() {
            let op = &operation.node;
            let (depth, counts) = walk.selection_set(&op.selection_set.node);
            let own = op.directives.len()
                + op.variable_definitions
                    .iter()
                    .map(|v| v.node.directives.len())
                    .sum::<usize>();
            shape.depth = shape.depth.max(depth);
            shape.counts = shape.counts.add(counts).add(Counts {
                directives: own,
                ..Counts::default()
            });
        }
        shape
    }
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    fragments: HashMap<&'a str, (Depth, Counts)>,
    visiting: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> (Depth, Counts) {
        let mut depth = Depth::default();
        let mut counts = Counts::default();
        for item in &set.items {
            let (d, c) = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    let own = Counts {
                        aliases: usize::from(field.alias.is_some()),
                        directives: field.directives.len(),
                        typenames: usize::from(name == "__typename"),
                    };
                    let (below, inner) = self.selection_set(&field.selection_set.node);
                    let d = if name == "__typename" {
                        // Not a level of data: clients add it everywhere.
                        Depth::default()
                    } else if matches!(name, "__schema" | "__type") {
                        Depth {
                            data: 0,
                            introspection: 1 + below.data.max(below.introspection),
                        }
                    } else {
                        Depth {
                            data: 1 + below.data,
                            introspection: if below.introspection > 0 {
                                1 + below.introspection
                            } else {
                                0
                            },
                        }
                    };
                    (d, own.add(inner))
                }
                Selection::FragmentSpread(spread) => {
                    let (d, c) = self.fragment(spread.node.fragment_name.node.as_str());
                    let own = Counts {
                        directives: spread.node.directives.len(),
                        ..Counts::default()
                    };
                    (d, c.add(own))
                }
                Selection::InlineFragment(inline) => {
                    let (d, c) = self.selection_set(&inline.node.selection_set.node);
                    let own = Counts {
                        directives: inline.node.directives.len(),
                        ..Counts::default()
                    };
                    (d, c.add(own))
                }
            };
            depth = depth.max(d);
            counts = counts.add(c);
        }
        (depth, counts)
    }

    fn fragment(&mut self, name: &'a str) -> (Depth, Counts) {
        if let Some(known) = self.fragments.get(name) {
            return *known;
        }
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return Default::default();
        };
        let key = key.as_str();
        if !self.visiting.insert(key) {
            return Default::default();
        }
        let (depth, counts) = self.selection_set(&fragment.node.selection_set.node);
        let counts = counts.add(Counts {
            directives: fragment.node.directives.len(),
            ..Counts::default()
        });
        self.visiting.remove(key);
        self.fragments.insert(key, (depth, counts));
        (depth, counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(query: &str) -> Shape {
        Shape::of(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn introspection_depth_is_measured_apart_from_data_depth() {
        let s = shape("{ a { b { c } } __schema { types { fields { name } } } }");
        assert_eq!(
            s.depth,
            Depth {
                data: 3,
                introspection: 4
            }
        );
    }

    #[test]
    fn typename_counts_but_adds_no_depth() {
        let s = shape("{ a { __typename } x: __typename }");
        assert_eq!(s.depth.data, 1);
        assert_eq!(
            s.counts,
            Counts {
                aliases: 1,
                directives: 0,
                typenames: 2
            }
        );
    }

    #[test]
    fn fragments_count_where_they_are_spread_and_cycles_end() {
        let s = shape(
            "{ a { ...F } b { ...F @skip(if: false) } } fragment F on T { x: y { z } ...G } fragment G on T { ...F }",
        );
        assert_eq!(s.depth.data, 3);
        assert_eq!(s.counts.aliases, 2);
        assert_eq!(s.counts.directives, 1);
    }
}
