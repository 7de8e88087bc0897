// Atlas CLI project file, for DBAs and CI jobs that have the open-source
// Atlas CLI (https://atlasgo.io). The worksynapse binary does not need it:
// it embeds migrations/ and applies it itself (`worksynapse migrate apply`).
//
// migrations/ is generated from ent/schema by `worksynapse migrate diff NAME`
// (or `make migration name=NAME`); do not use `atlas migrate diff` here.
// What the CLI is for:
//
//   atlas migrate validate --env local    # files match atlas.sum and replay cleanly
//   atlas migrate lint     --env ci       # analyze the newest file
//   atlas migrate hash     --env local    # after a deliberate hand edit of an unapplied file
//   atlas migrate status   --env prod
//   atlas migrate apply    --env prod     # same result as `worksynapse migrate apply`
//
// The binary and the CLI share the revision table public.atlas_schema_revisions
// (revisions_schema below) and the same advisory lock, so either can apply and
// both report the same status.

// Developer machine: Docker provides the dev database; url is the database
// to inspect or migrate.
env "local" {
  url = getenv("WORKSYNAPSE_DATABASE_URL")
  dev = "docker://postgres/15/dev?search_path=public"
  migration {
    dir              = "file://migrations"
    revisions_schema = "public"
  }
}

// CI has no Docker: the dev database is the test server's (empty) admin
// database, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
env "ci" {
  dev = getenv("WORKSYNAPSE_TEST_DATABASE_URL")
  migration {
    dir              = "file://migrations"
    revisions_schema = "public"
  }
  lint {
    latest = 1
  }
}

// Production: the URL comes from the environment, never from this file.
// Only status and apply need it; apply takes no dev database.
env "prod" {
  url = getenv("WORKSYNAPSE_DATABASE_URL")
  migration {
    dir              = "file://migrations"
    revisions_schema = "public"
  }
}
