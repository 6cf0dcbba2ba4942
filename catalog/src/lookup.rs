//! The by-id and by-ids reads every marketplace table offers, written once:
//! [`by_id_lookups!`] makes the pair of service functions for one table.
//! Reads only; it never writes, and it returns rows, never the entity.

/// Makes `$one(db, id)` (one row by id, if it exists) and `$many(db, ids)`
/// (the rows among `ids` that exist, in one query) for the entity module
/// `$table` with the id type `$id`.
macro_rules! by_id_lookups {
    ($table:ident, $id:ty, $(#[$one_doc:meta])* $one:ident, $(#[$many_doc:meta])* $many:ident) => {
        $(#[$one_doc])*
        pub async fn $one(
            db: &impl sea_orm::ConnectionTrait,
            id: $id,
        ) -> Result<Option<$table::Model>, $crate::CatalogError> {
            use sea_orm::EntityTrait;
            Ok($table::Entity::find_by_id(id).one(db).await?)
        }

        $(#[$many_doc])*
        pub async fn $many(
            db: &impl sea_orm::ConnectionTrait,
            ids: Vec<$id>,
        ) -> Result<Vec<$table::Model>, $crate::CatalogError> {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            Ok($table::Entity::find()
                .filter($table::Column::Id.is_in(ids))
                .all(db)
                .await?)
        }
    };
}

pub(crate) use by_id_lookups;
