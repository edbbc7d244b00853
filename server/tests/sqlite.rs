//! Integration tests against SQLite (always run).
mod common;

all_scenarios!(common::Engine::Sqlite);
