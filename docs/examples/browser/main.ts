/**
 * The page's script (bundled by esbuild: `pnpm --filter @connectycube-effect/docs build:browser`). It signs up,
 * signs in, uploads a generated picture as the avatar and shows it with `<img src=privateUrl>`, then marks
 * `#status` with `data-state="done"` (or `"failed"`), which the headless-Chromium test reads.
 */
import { createClient } from "@connectycube-effect/promise"

const params = new URLSearchParams(location.search)
const status = document.getElementById("status")!
const avatar = document.getElementById("avatar") as HTMLImageElement
const log = (line: string) => {
  const item = document.createElement("li")
  item.textContent = line
  document.getElementById("log")!.append(item)
}

/** A 64×64 PNG drawn on a canvas: what a user would pick in `<input type=file>`. */
const drawPicture = (initials: string): Promise<File> => {
  const canvas = document.createElement("canvas")
  canvas.width = canvas.height = 64
  const context = canvas.getContext("2d")!
  context.fillStyle = "#3b6ea5"
  context.fillRect(0, 0, 64, 64)
  context.fillStyle = "#fff"
  context.font = "bold 28px sans-serif"
  context.fillText(initials, 12, 42)
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => blob ? resolve(new File([blob], "avatar.png", { type: "image/png" })) : reject(new Error("toBlob failed")), "image/png")
  )
}

const run = async () => {
  const cube = createClient({
    credentials: { appId: Number(params.get("appId") ?? 1), authKey: params.get("authKey") ?? "emulator-auth-key" },
    config: { endpoints: { api_url: params.get("api") ?? "http://127.0.0.1:8090" } }
  })
  try {
    await cube.createSession()
    log("application session created")

    const login = `browser${Date.now().toString(36)}`
    const { user } = await cube.users.signup({ login, password: "supersecurepwd", full_name: "Marvin Simon" })
    log(`signed up #${user.id} ${user.login}`)

    const me = await cube.login({ login, password: "supersecurepwd" })
    log(`logged in as ${me.full_name}`)

    // ConnectyCube's "User avatar" sample: upload the file, then connect it to the user
    const inputFile = await drawPicture("MS")
    const fileParams = { name: inputFile.name, file: inputFile, type: inputFile.type, size: inputFile.size, public: false }
    const uploadedFile = await cube.storage.createAndUpload(fileParams)
    const updated = await cube.users.update({ avatar: uploadedFile.uid })
    log(`avatar uploaded: ${uploadedFile.size} bytes, private=${uploadedFile.public === false}`)

    // Now other users can get the avatar: <img src=privateUrl>
    avatar.src = cube.storage.privateUrl(updated.user.avatar!)
    await avatar.decode()
    avatar.hidden = false // hidden until then: an <img> without a loaded picture shows as a broken image
    log(`avatar shown: ${avatar.naturalWidth}×${avatar.naturalHeight}`)

    status.dataset.state = "done"
    status.dataset.avatarWidth = String(avatar.naturalWidth)
    status.textContent = "done"
  } finally {
    await cube.dispose()
  }
}

run().catch((error: unknown) => {
  status.dataset.state = "failed"
  status.textContent = `failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`
})
