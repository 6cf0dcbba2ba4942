//! A GraphQL request passes the partner gate once, as a whole, before any
//! resolver runs: after validation, [`Admit`] walks the operation about to
//! execute, names every access it makes (each `vehicle(vin, product,
//! purpose)`, `sendCommand(...)` and `command(id)`, aliases and fragments
//! included), and has the gate decide and charge them all: the request's
//! complexity to every subscription it touches and one call to every vehicle.
//! If any charge fails, nothing executes: the answer is `data: null` with one
//! coded error, and the handler makes it a 429 with the RateLimit headers.
//! Resolvers then take their charged grant from the [`RequestAdmission`];
//! an access it does not hold is refused, never served uncharged.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Pos, Response, ServerError, ServerResult, ValidationResult, Variables};
use vdx_telemetry::gate::{Access, Admission, Limited, RequestContext, Target};

use super::gql_error;
use crate::problem::ApiError;
use crate::state::AppState;

/// The gate's answer for one GraphQL request, shared by the extension, the
/// resolvers and the HTTP handler.
#[derive(Debug, Default)]
pub struct RequestAdmission {
    document: Mutex<Option<(ExecutableDocument, Variables)>>,
    complexity: AtomicUsize,
    admitted: OnceLock<Admission>,
    limited: OnceLock<Limited>,
}

impl RequestAdmission {
    /// The admission, once the request has been admitted.
    pub fn admitted(&self) -> Option<&Admission> {
        self.admitted.get()
    }

    /// The refused charge, if the request was refused.
    pub fn limited(&self) -> Option<&Limited> {
        self.limited.get()
    }
}

/// The extension that admits each request through the partner gate.
pub struct Admit;

impl ExtensionFactory for Admit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Admit)
    }
}

/// How deep fragments may nest at the root while accesses are collected.
const MAX_FRAGMENT_NESTING: usize = 16;

/// Every access named by the root fields of `selection`.
fn collect(
    doc: &ExecutableDocument,
    selection: &SelectionSet,
    vars: &dyn Fn(&Name) -> Option<async_graphql::Value>,
    nesting: usize,
    out: &mut Vec<Access>,
) {
    if nesting > MAX_FRAGMENT_NESTING {
        return;
    }
    for item in &selection.items {
        match &item.node {
            Selection::Field(field) => {
                let field = &field.node;
                let arg = |name: &str| {
                    field
                        .arguments
                        .iter()
                        .find(|(n, _)| n.node.as_str() == name)
                        .and_then(|(_, v)| {
                            v.node.clone().into_const_with(|n| vars(&n).ok_or(())).ok()
                        })
                        .and_then(|v| match v {
                            async_graphql::Value::String(s) => Some(s),
                            _ => None,
                        })
                };
                let target =
                    || Target::parse(&arg("vin")?, &arg("product")?, &arg("purpose")?).ok();
                match field.name.node.as_str() {
                    "vehicle" => out.extend(target().map(Access::Read)),
                    "sendCommand" => out.extend(target().map(Access::Command)),
                    "command" => out.extend(arg("id").map(Access::CommandStatus)),
                    _ => {}
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = doc.fragments.get(&spread.node.fragment_name.node) {
                    collect(
                        doc,
                        &fragment.node.selection_set.node,
                        vars,
                        nesting + 1,
                        out,
                    );
                }
            }
            Selection::InlineFragment(inline) => {
                collect(doc, &inline.node.selection_set.node, vars, nesting + 1, out);
            }
        }
    }
}

fn operation<'a>(
    doc: &'a ExecutableDocument,
    name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| &op.node)
        }
        _ => None,
    }
}

/// The accesses the operation `name` of `doc` makes, with `variables`.
fn accesses(doc: &ExecutableDocument, variables: &Variables, name: Option<&str>) -> Vec<Access> {
    let Some(op) = operation(doc, name) else {
        return Vec::new();
    };
    let vars = |n: &Name| {
        variables.get(n).cloned().or_else(|| {
            op.variable_definitions
                .iter()
                .find(|d| d.node.name.node == *n)
                .and_then(|d| d.node.default_value.as_ref().map(|v| v.node.clone()))
        })
    };
    let mut out = Vec::new();
    collect(doc, &op.selection_set.node, &vars, 0, &mut out);
    out
}

/// The whole request refused: one error, about no place in the document
/// (GraphQL positions are 1-based, so `Pos::default()` would name line 0).
fn refused(err: ApiError) -> Response {
    let mut error = gql_error(err).into_server_error(Pos::default());
    error.locations.clear();
    Response::from_errors(vec![error])
}

#[async_graphql::async_trait::async_trait]
impl Extension for Admit {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        if let Some(slot) = ctx.data_opt::<Arc<RequestAdmission>>() {
            *slot
                .document
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) =
                Some((doc.clone(), variables.clone()));
        }
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        if let Some(slot) = ctx.data_opt::<Arc<RequestAdmission>>() {
            slot.complexity.store(result.complexity, Ordering::Relaxed);
        }
        Ok(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let (Some(slot), Some(request), Ok(state)) = (
            ctx.data_opt::<Arc<RequestAdmission>>(),
            ctx.data_opt::<RequestContext>(),
            ctx.data::<Arc<AppState>>(),
        ) else {
            // Anonymous: only public fields resolve; partner fields refuse.
            return next.run(ctx, operation_name).await;
        };
        let named = {
            let document = slot
                .document
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match document.as_ref() {
                Some((doc, vars)) => accesses(doc, vars, operation_name),
                None => Vec::new(),
            }
        };
        let cost = u32::try_from(slot.complexity.load(Ordering::Relaxed)).unwrap_or(u32::MAX);
        match state.gate.admit(request, &named, cost).await {
            Ok(Ok(admission)) => {
                let _ = slot.admitted.set(admission);
                next.run(ctx, operation_name).await
            }
            Ok(Err(limited)) => {
                let response = refused(ApiError::from(limited.clone()));
                let _ = slot.limited.set(limited);
                response
            }
            Err(e) => refused(e.into()),
        }
    }
}

/// The admission of the request a resolver runs in; an authenticated
/// request always has one by the time resolvers run.
pub fn of<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a Admission> {
    ctx.data_opt::<Arc<RequestAdmission>>()
        .and_then(|slot| slot.admitted())
        .ok_or_else(|| {
            gql_error(ApiError::internal(
                "a partner field resolved without admission",
            ))
        })
}

/// The gate's request context of the request a resolver runs in.
pub fn request<'a>(ctx: &async_graphql::Context<'a>) -> async_graphql::Result<&'a RequestContext> {
    ctx.data_opt::<RequestContext>()
        .ok_or_else(|| gql_error(ApiError::Unauthenticated))
}
