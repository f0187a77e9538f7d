// The throughput baseline: a bare node:http server answering one fixed JSON body (the emulator's own answer).
import * as Fs from "node:fs"
import * as Http from "node:http"

const body = Fs.readFileSync(process.argv[2])
const server = Http.createServer((req, res) => {
  req.resume()
  res.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": body.length })
  res.end(body)
})
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`))
process.on("SIGTERM", () => server.close(() => process.exit(0)))
