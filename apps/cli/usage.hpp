#ifndef ZIC_CLI_USAGE_HPP
#define ZIC_CLI_USAGE_HPP

namespace zic_cli {

inline constexpr const char* main_usage = R"(usage: zic [global options] import <command> [options]

Create and follow bulk-import jobs on Zilliz Cloud or Milvus.

commands:
  import create     start an import job; prints its id
  import describe   show a job's progress (alias: progress)
  import list       list jobs
  import wait       follow a job until it completes or fails
  import commit     commit a two-phase import (Milvus)
  import abort      abort a two-phase import (Milvus)
  write             write rows as import files (Parquet, JSON, CSV, NumPy)

global options (also from the environment; flags win):
  --endpoint URL         API endpoint [ZIC_ENDPOINT] (default https://api.cloud.zilliz.com)
  --api-key KEY          API key, or user:password for Milvus [ZIC_API_KEY]
  --flavor cloud|milvus  API flavour [ZIC_FLAVOR] (default: cloud for api.cloud.zilliz.com(.cn),
                         else milvus)
  --cluster-id ID        cloud cluster [ZIC_CLUSTER_ID]
  --project-id ID        cloud project, with --region-id [ZIC_PROJECT_ID]
  --region-id ID         cloud region, with --project-id [ZIC_REGION_ID]
  --db NAME              database [ZIC_DB]
  --transport beast|curl HTTP stack (default beast)
  --timeout SECONDS      per-request timeout (default 30)
  --ca-file PATH         trust this PEM CA bundle instead of the system store
  --insecure             do not verify TLS certificates (testing only)
  --json                 print one JSON document on stdout instead of text
  --verbose              log each HTTP attempt to stderr (never secrets)
  --help                 help for zic, or for a command

exit codes: 0 success, 2 usage error, 3 the server answered with an error, 4 transport failure
or timeout, 5 the job failed, 6 the job does not exist (never created or expired), 7 the output
could not be written (create then prints the job id on stderr), 8 the input does not match the
schema (write).
)";

inline constexpr const char* write_usage = R"(usage: zic write --schema FILE --out DIR [options] [INPUT...]

Write rows as import files: one unit per chunk (a Parquet, JSON or CSV file, or a folder of .npy
files). Prints the units, one per line, files comma-separated and relative to DIR: each line can
be passed to `zic import create --file`.

INPUT is JSON Lines (one row object per line), a JSON array of rows, or {"rows":[...]}; - (the
default) is standard input. Rows take the server's JSON row shapes: vectors as number arrays, a
BinaryVector as dim/8 byte values, a sparse vector as an object, null for null; keys outside the
schema go to $meta when the dynamic field is on.

options:
  --schema FILE          the collection's schema: the "schema" of a collections/create body, or
                         a collections/describe answer
  --out DIR              where the units go (created if missing)
  --format F             parquet (default), json, csv or numpy
  --compression C        Parquet pages: snappy (default), zstd or none
  --chunk-size SIZE      bytes buffered per chunk, e.g. 64MiB (default 128MiB; KiB, MiB, GiB)
  --json                 print {"units":[[...]],"rows":N,"bytes":N}

exit codes: 0 success, 2 bad schema or flags, 7 a file could not be written, 8 a row does not
match the schema (the message names the input, the line, the field and why; chunks finished
before it stay complete and are listed, and no partial file is left).
)";

inline constexpr const char* import_usage = R"(usage: zic import <command> [options]

commands: create, describe (alias progress), list, wait, commit, abort.
Run `zic import <command> --help` for a command's options, `zic --help` for global options.
)";

inline constexpr const char* create_usage = R"(usage: zic import create --collection NAME [--partition NAME]
           (--object-url URL ... | --file PATH[,PATH...] ... | --volume NAME --data-path PATH ...)
           [--access-key K --secret-key S [--token T]] [--option KEY=VALUE ...]
           [--idempotency-key KEY]

Starts an import job and prints its id alone on stdout.

  --collection NAME      target collection (required)
  --partition NAME       target partition
  --object-url URL       cloud: one object (s3://, gs://, https://, file://); repeat for more
  --file PATH[,PATH]     Milvus: one import unit, paths relative to the bucket root; commas put
                         several files (NumPy columns) in one unit; repeat for more units
  --volume NAME          cloud: import from a Zilliz volume ...
  --data-path PATH       ... this path of it; repeat for more
  --access-key K         cloud: object-store access key (with --secret-key)
                         [ZIC_ACCESS_KEY, else AWS_ACCESS_KEY_ID]
  --secret-key S         cloud: object-store secret key [ZIC_SECRET_KEY, else AWS_SECRET_ACCESS_KEY]
  --token T              cloud: session token for short-term credentials
                         [ZIC_SESSION_TOKEN, else AWS_SESSION_TOKEN]
  --option KEY=VALUE     Milvus import option, e.g. auto_commit=false, timeout=300s; repeatable
  --idempotency-key KEY  retrying with the same key never creates a second job
)";

inline constexpr const char* describe_usage = R"(usage: zic import describe JOB_ID     (alias: zic import progress JOB_ID)

Shows the job's state, progress, rows and per-file details.
)";

inline constexpr const char* list_usage = R"(usage: zic import list [--page N] [--page-size N] [--all] [--collection NAME]

Lists import jobs. Cloud lists are paged (--page, --page-size, or --all for every page);
Milvus answers with every job at once.
)";

inline constexpr const char* wait_usage = R"(usage: zic import wait JOB_ID [--interval SECONDS] [--deadline SECONDS] [--two-phase]

Follows the job until it is Completed or Failed, showing a live progress bar on a terminal and
one line per change otherwise. Exits 5 if the job failed, 6 if it does not exist, 4 when the
deadline passes.

  --interval SECONDS     first pause between polls (default 1; grows while nothing changes)
  --deadline SECONDS     give up after this long (default 86400)
  --two-phase            also stop when the job is Uncommitted (waiting for `import commit`)
)";

inline constexpr const char* commit_usage = R"(usage: zic import commit JOB_ID

Commits a two-phase import (Milvus; created with --option auto_commit=false). Safe to repeat.
)";

inline constexpr const char* abort_usage = R"(usage: zic import abort JOB_ID

Aborts a two-phase import (Milvus); the job ends Failed.
)";

} // namespace zic_cli

#endif
