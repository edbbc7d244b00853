//! The same integration tests against PostgreSQL, when it is reachable (PORTCULLIS_TEST_POSTGRES_URL,
//! default postgres://postgres@127.0.0.1:5432/test); each test gets a database of its own.
mod common;

all_scenarios!(common::Engine::Postgres);
