/**
 * The route table: every route module of the emulator. **Extension point**: a new module exports
 * `routes: ReadonlyArray<Route.Route>` and is added to `all` here (one import, one spread).
 *
 * @since 0.1.0
 */
import type * as Route from "./Route.js"
import * as AdminRoutes from "./routes/Admin.js"
import * as BlobRoutes from "./routes/Blobs.js"
import * as ConsoleRoutes from "./routes/Console.js"
import * as SessionRoutes from "./routes/Sessions.js"
import * as UiRoutes from "./routes/Ui.js"
import * as UploadRoutes from "./routes/Upload.js"
import * as UserRoutes from "./routes/Users.js"

/**
 * @since 0.1.0
 * @category routes
 */
export const all: ReadonlyArray<Route.Route> = [
  ...SessionRoutes.routes,
  ...AdminRoutes.routes,
  ...BlobRoutes.routes,
  ...UploadRoutes.routes,
  ...UserRoutes.routes,
  ...ConsoleRoutes.routes,
  ...UiRoutes.routes
]
