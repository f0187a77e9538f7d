import { Cube, Session } from "@connectycube-effect/http"
import { Storage } from "@connectycube-effect/storage"
import { Effect, Layer } from "effect"
import type { HttpClient, HttpClientRequest } from "effect/http"
import { type Captured, fakeClient, type Reply } from "../../http/test/kit.js"

export type { Captured, Reply } from "../../http/test/kit.js"

/**
 * A fake HttpClient: records every request (reading stream bodies to the end) and answers with `reply` (see
 * http's `test/kit.ts`). `consume: false` on a URL leaves the body to the reply function (to test interruption
 * mid-upload).
 */
export const fakeHttp = (
  reply: (req: Captured, request: HttpClientRequest.HttpClientRequest) => Reply | Effect.Effect<Reply, unknown>,
  options: { readonly consume?: (url: string) => boolean } = {}
) => fakeClient((req, _n, request) => reply(req, request), options)

export const API = "http://cube.test"

/** Storage over a fake HttpClient, with a user session already held (token TOKEN7). */
export const storageLayer = (http: Layer.Layer<HttpClient.HttpClient>) =>
  Layer.effectDiscard(
    Effect.flatMap(Session.Session, (s) => s.setSession({ token: "TOKEN7", id: 5, user_id: 100 }))
  ).pipe(
    Layer.provideMerge(Storage.layer),
    Layer.provideMerge(Cube.layer({ appId: 1, authKey: "secret-auth-key", apiUrl: API })),
    Layer.provide(http)
  )

export const PARAMS = "http://s3.test/cb-shared-s3?Content-Type=text%2Fplain" +
  "&Expires=Mon%2C%2010%20Dec%202018%2011%3A26%3A01%20GMT&acl=authenticated-read" +
  "&key=b1d5a0f0c0ffee00000000000000000000&policy=eyJleHAiOjF9%3D%3D&success_action_status=201" +
  "&x-amz-algorithm=AWS4-HMAC-SHA256&x-amz-credential=AKIAEXAMPLE%2F20181210%2Fus-east-1%2Fs3%2Faws4_request" +
  "&x-amz-date=20181210T102601Z&x-amz-signature=deadbeef"

export const createdBlob = (over: Record<string, unknown> = {}) => ({
  blob: {
    id: 9001,
    uid: "b1d5a0f0c0ffee00000000000000000000",
    content_type: "text/plain",
    name: "hello.txt",
    size: null,
    created_at: "2026-11-24T21:23:59Z",
    updated_at: "2026-11-24T21:23:59Z",
    blob_status: null,
    set_completed_at: null,
    public: false,
    account_id: 7,
    app_id: 12,
    blob_object_access: {
      id: 9001,
      blob_id: 9001,
      expires: "2026-11-24T22:23:59Z",
      object_access_type: "Write",
      params: PARAMS
    },
    ...over
  }
})

export const S3_OK = {
  status: 201,
  headers: { "content-type": "application/xml" },
  body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Location>http://s3.test/cb-shared-s3/b1d5</Location>" +
    "<Bucket>cb-shared-s3</Bucket><Key>b1d5a0f0c0ffee00000000000000000000</Key><ETag>\"x\"</ETag></PostResponse>"
} as const

/** The usual happy server: create → upload → complete. */
export const happy = (req: Captured): Reply => {
  if (req.method === "POST" && req.url === `${API}/blobs.json`) return { status: 201, body: createdBlob() }
  if (req.url.startsWith("http://s3.test/")) return S3_OK
  if (req.method === "PUT" && /\/blobs\/\d+\/complete\.json$/.test(req.url)) return { status: 200 }
  if (req.method === "DELETE") return { status: 200 }
  return { status: 404, body: { errors: ["Not found (fake)"] } }
}
