// s3rver.js -- a local S3 (s3rver) on 127.0.0.1 for the end-to-end tests
//
// usage: node s3rver.js DATA_DIR BUCKET PORT_FILE
// Listens on a free port chosen by the kernel, creates BUCKET, writes the
// port to PORT_FILE once it accepts connections, and runs until SIGTERM or
// SIGINT. Credentials are s3rver's fixed pair S3RVER / S3RVER; signatures are
// verified (a wrong secret gets 403 SignatureDoesNotMatch).
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const S3rver = require('@20minutes/s3rver')

const [dir, bucket, portFile] = process.argv.slice(2)
if (!dir || !bucket || !portFile) {
  console.error('usage: node s3rver.js DATA_DIR BUCKET PORT_FILE')
  process.exit(2)
}
fs.mkdirSync(dir, { recursive: true })
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: dir,
  configureBuckets: [{ name: bucket, configs: [] }],
})
server.run().then(
  (addr) => {
    const tmp = `${portFile}.tmp`
    fs.writeFileSync(tmp, `${addr.port}\n`)
    fs.renameSync(tmp, path.resolve(portFile))
  },
  (err) => {
    console.error(`s3rver: cannot start: ${err.message}`)
    process.exit(1)
  }
)
const stop = () => server.close().then(() => process.exit(0), () => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
