// Reads a Parquet file zic wrote with an independent reader (DuckDB or hyparquet) and compares it
// value for value with the expected rows (see read_back.py for EXPECTED's shape). DuckDB also
// checks the column types the footer declares.
// Usage: node read_parquet.mjs duckdb|hyparquet FILE EXPECTED.json   (exit 0 = equal)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const [engine, file, expectedPath] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
const { columns, types, rows: want } = expected;
// The fixtures live in tests/objectstore/node_modules; NODE_PATH is not read by ES modules.
const require = createRequire(process.env.ZIC_NODE_MODULES + '/');

const DUCK_TYPES = {
  Bool: 'BOOLEAN', Int8: 'TINYINT', Int16: 'SMALLINT', Int32: 'INTEGER', Int64: 'BIGINT', Float: 'FLOAT',
  Double: 'DOUBLE', VarChar: 'VARCHAR', Text: 'VARCHAR', JSON: 'VARCHAR', $meta: 'VARCHAR',
  SparseFloatVector: 'VARCHAR', FloatVector: 'FLOAT[]', BinaryVector: 'UTINYINT[]', Float16Vector: 'UTINYINT[]',
  BFloat16Vector: 'UTINYINT[]', Int8Vector: 'TINYINT[]',
};

function half(lo, hi, kind) {
  const bits = lo | (hi << 8);
  if (kind === 'BFloat16Vector') return new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
  const sign = bits & 0x8000 ? -1 : 1, exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && deepEqual(a[k], b[k]));
}

function same(t, a, e, element) {
  if (a === null || a === undefined || e === null) return (a === null || a === undefined) && e === null;
  switch (t) {
  case 'Bool': return a === e;
  case 'Int8': case 'Int16': case 'Int32': return typeof a !== 'boolean' && Number(a) === e;
  case 'Int64': return String(a) === e;
  case 'Float': return Math.fround(Number(a)) === Math.fround(e);
  case 'Double': return Number(a) === e;
  case 'VarChar': case 'Text': return a === e;
  case 'JSON': case '$meta': case 'SparseFloatVector': return typeof a === 'string' && deepEqual(JSON.parse(a), e);
  case 'Array': return a.length === e.length && [...a].every((x, i) => same(element, x, e[i]));
  case 'FloatVector': return a.length === e.length && [...a].every((x, i) => Math.fround(Number(x)) === Math.fround(e[i]));
  case 'BinaryVector': case 'Int8Vector': return a.length === e.length && [...a].every((x, i) => Number(x) === e[i]);
  case 'Float16Vector': case 'BFloat16Vector': {
    const b = [...a].map(Number);
    if (b.length !== 2 * e.length || b.some((x) => x < 0 || x > 255)) return false;
    return e.every((x, i) => half(b[2 * i], b[2 * i + 1], t) === x);
  }
  default: throw new Error('unknown type ' + t);
  }
}

let rows, names, bad = 0;
if (engine === 'duckdb') {
  const { DuckDBInstance } = require('@duckdb/node-api');
  const con = await (await DuckDBInstance.create(':memory:')).connect();
  const path = file.replaceAll("'", "''");
  rows = (await con.runAndReadAll(`select * from read_parquet('${path}')`)).getRowObjectsJson();
  const described = (await con.runAndReadAll(`describe select * from read_parquet('${path}')`)).getRowObjectsJson();
  names = described.map((d) => d.column_name);
  for (const d of described) {
    const t = types[d.column_name];
    if (!t) continue;
    const wantType = t.type === 'Array' ? DUCK_TYPES[t.element] + '[]' : DUCK_TYPES[t.type];
    if (d.column_type !== wantType) {
      console.error(`column ${d.column_name}: DuckDB type ${d.column_type}, expected ${wantType}`);
      bad++;
    }
  }
} else if (engine === 'hyparquet') {
  const { parquetReadObjects, parquetMetadata } = require('hyparquet');
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  rows = await parquetReadObjects({ file: buffer });
  const meta = parquetMetadata(buffer);
  names = meta.schema.slice(1).map((s) => s.name).filter((n) => n !== 'list' && n !== 'element');
  if (!String(meta.created_by).startsWith('zic version ')) {
    console.error(`created_by is ${meta.created_by}`);
    bad++;
  }
  if (Number(meta.num_rows) !== want.length) {
    console.error(`num_rows ${meta.num_rows}, expected ${want.length}`);
    bad++;
  }
} else {
  throw new Error('unknown engine ' + engine);
}
if (!deepEqual(names, columns)) {
  console.error(`columns ${JSON.stringify(names)}, expected ${JSON.stringify(columns)}`);
  process.exit(1);
}
if (rows.length !== want.length) {
  console.error(`${rows.length} rows, expected ${want.length}`);
  process.exit(1);
}
rows.forEach((row, i) => {
  for (const c of columns) {
    const t = types[c];
    if (!same(t.type, row[c], want[i][c], t.element)) {
      console.error(`row ${i} column ${c}: got ${JSON.stringify(row[c], (k, v) => typeof v === 'bigint' ? String(v) : v)}, expected ${JSON.stringify(want[i][c])}`);
      bad++;
    }
  }
});
process.exit(bad ? 1 : 0);
