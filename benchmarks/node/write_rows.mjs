// The row-path baseline of zic_bench_write: the Node SDK's BulkWriter appends the same rows as
// the C++ suite (Int64 id, a 16-byte VarChar, a 768-d FloatVector) and writes them as Parquet
// (its only codec: uncompressed), with the same 128 MiB chunk size, into a scratch folder that
// is removed after each repetition. Prints one JSON object: the median rows/s of the repetitions,
// or the error that stopped it.
// Usage: node write_rows.mjs ROWS REPETITIONS DIRECTORY
import { mkdirSync, readFileSync, rmSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const rows = Number(process.argv[2] ?? 1000000);
const repetitions = Number(process.argv[3] ?? 3);
const directory = process.argv[4] ?? 'node-bulk';
const dim = 768;

function bytesUnder(dir) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    n += e.isDirectory() ? bytesUnder(p) : statSync(p).size;
  }
  return n;
}

async function main() {
  const version = JSON.parse(
    readFileSync(new URL('./node_modules/@zilliz/milvus2-sdk-node/package.json', import.meta.url))).version;
  const { BulkWriter, DataType } = await import('@zilliz/milvus2-sdk-node');
  const schema = {
    fields: [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true },
      { name: 'title', data_type: DataType.VarChar, max_length: 64 },
      { name: 'vec', data_type: DataType.FloatVector, dim },
    ],
  };
  const seconds = [];
  let bytes = 0;
  for (let rep = 0; rep < repetitions; ++rep) {
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    const writer = new BulkWriter({ schema, format: 'parquet', localPath: directory, chunkSize: 128 * 1024 * 1024 });
    const start = process.hrtime.bigint();
    for (let i = 0; i < rows; ++i) {
      // A fresh vector per row: the writer keeps the caller's arrays until the chunk is written.
      const vec = new Array(dim);
      for (let k = 0; k < dim; ++k) vec[k] = (i + k) * 0.001;
      await writer.append({ id: i, title: `title-${String(i).padStart(10, '0')}`, vec });
    }
    await writer.close();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    bytes = bytesUnder(directory);
    rmSync(directory, { recursive: true, force: true });
  }
  seconds.sort((a, b) => a - b);
  const median = seconds[Math.floor(seconds.length / 2)];
  console.log(JSON.stringify({ sdk: '@zilliz/milvus2-sdk-node', version, rows, repetitions, seconds, bytes,
                               rows_per_second: rows / median }));
}

main().catch((e) => {
  console.log(JSON.stringify({ sdk: '@zilliz/milvus2-sdk-node', rows, error: String(e && e.stack ? e.stack : e) }));
  process.exit(1);
});
