// Writes a Parquet file with an independent writer (hyparquet-writer), for the emulator's tests:
//   node write_parquet.mjs OUT ROWS
import { parquetWriteFile } from 'hyparquet-writer'

const [out, count] = process.argv.slice(2)
const rows = Number(count)
if (!out || !Number.isInteger(rows) || rows < 0) {
  console.error('usage: node write_parquet.mjs OUT ROWS')
  process.exit(2)
}
const ids = Array.from({ length: rows }, (_, i) => BigInt(i))
parquetWriteFile({
  filename: out,
  columnData: [
    { name: 'id', data: ids, type: 'INT64' },
    { name: 'title', data: ids.map(i => `article ${i}`), type: 'STRING' },
    { name: 'score', data: ids.map(i => Number(i) / 7), type: 'DOUBLE' },
  ],
  rowGroupSize: 1000,
})
