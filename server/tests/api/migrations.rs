//! The two migration folders define the same tables and columns: one schema, two engines.
use crate::harness::{Engine, TestDb};
use sqlx::Row;
use std::collections::BTreeSet;

async fn columns(engine: Engine) -> Option<BTreeSet<(String, String)>> {
    let db = TestDb::new(engine).await?;
    let conn = db.connect().await;
    let sql = match engine {
        Engine::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'"
        }
        Engine::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'"
        }
    };
    let rows = sqlx::query(sql)
        .fetch_all(&conn.pool)
        .await
        .expect("schema");
    Some(
        rows.iter()
            .map(|r| (r.get::<String, _>("t"), r.get::<String, _>("c")))
            .collect(),
    )
}

/// Runs with the PostgreSQL scenarios (it needs both engines).
mod postgres {
    use super::*;

    #[tokio::test]
    async fn sqlite_and_postgresql_define_the_same_tables_and_columns() {
        let sqlite = columns(Engine::Sqlite).await.expect("SQLite");
        let Some(postgres) = columns(Engine::Postgres).await else {
            return; // PostgreSQL is not reachable (said so by the harness).
        };
        let only_sqlite: Vec<_> = sqlite.difference(&postgres).collect();
        let only_postgres: Vec<_> = postgres.difference(&sqlite).collect();
        assert!(
            only_sqlite.is_empty() && only_postgres.is_empty(),
            "only in SQLite: {only_sqlite:?}\nonly in PostgreSQL: {only_postgres:?}"
        );
        assert!(sqlite.len() > 50, "the schema looks empty");
    }
}
