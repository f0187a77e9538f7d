/* eslint-disable */
// @ts-nocheck -- the samples are the docs' JavaScript, kept verbatim (untyped callback parameters included).
/**
 * Every code sample of the seed (`/work/shared/seed/000_530567ca667714d0.txt`, "Authentication and Users"),
 * copied verbatim, in the seed's order. Each is wrapped in a function that receives the SDK object as
 * `ConnectyCube` (the official `connectycube` or `@connectycube-effect/promise`) and the sample's free
 * variables (`CREDENTIALS`, `$`, `updatedUser`), so the same text runs against both.
 *
 * Samples are statements: they return nothing. Their results are observed by the recorder the harness
 * wraps `ConnectyCube` in (`promise-harness.ts`).
 */

export interface SampleEnv {
  /** The seed's `ConnectyCube.init(CREDENTIALS, CONFIG)` credentials. */
  readonly CREDENTIALS: unknown
  /** jQuery, for the avatar sample's file input. */
  readonly $: (selector: string) => any
  /** The avatar sample's result, for "other users can get your avatar". */
  readonly updatedUser: any
}

export type Sample = (ConnectyCube: any, env: SampleEnv) => void

export const samples: Record<string, Sample> = {
  // "Create session token": an application session.
  createApplicationSession: (ConnectyCube) => {
ConnectyCube.createSession()
  .then((session) => {})
  .catch((error) => {});
  },

  // "To create a user session use the following code".
  createUserSession: (ConnectyCube) => {
const userCredentials = { login: "cubeuser", password: "awesomepwd" };

ConnectyCube.createSession(userCredentials)
  .then((session) => {})
  .catch((error) => {});
  },

  // "Create guest session".
  createGuestSession: (ConnectyCube) => {
const guestUserCredentials = { guest: '1', full_name: 'Awesome Smith' };

ConnectyCube.createSession(guestUserCredentials)
  .then((session) => {})
  .catch((error) => {});
  },

  // "Upgrade session token (user login)".
  login: (ConnectyCube) => {
const userCredentials = { login: "cubeuser", password: "awesomepwd" };
// const userCredentials = { email: 'cubeuser@gmail.com', password: 'awesomepwd' };
// const userCredentials = { provider: 'facebook', keys: {token: 'a876as7db...asg34dasd8wqe'} };

ConnectyCube.login(userCredentials)
  .then((user) => {})
  .catch((error) => {});
  },

  // "Authentication via phone number".
  loginFirebasePhone: (ConnectyCube) => {
const userCredentials = {
  provider: "firebase_phone",
  "firebase_phone[project_id]": "...",
  "firebase_phone[access_token]": "...",
};

ConnectyCube.login(userCredentials)
  .then((user) => {})
  .catch((error) => {});
  },

  // "Authentication via Firebase email".
  loginFirebaseEmail: (ConnectyCube) => {
const userCredentials = {
  provider: 'firebase_email',
  firebase_email: {
    project_id: 'XXXXXXXXXXX',
    access_token: 'XXXXXXXXXXXYYYYYY'
  }
};

ConnectyCube.login(userCredentials)
  .then((user) => {})
  .catch((error) => {});
  },

  // "Downgrade session token (user logout)".
  logout: (ConnectyCube) => {
ConnectyCube.logout().catch((error) => {});
  },

  // "Session expiration".
  sessionExpired: (ConnectyCube, { CREDENTIALS }) => {
const CONFIG = {
  on: {
    sessionExpired: (handleResponse, retry) => {
      // call handleResponse() if you do not want to process a session expiration,
      // so an error will be returned to origin request
      // handleResponse();

      ConnectyCube.createSession()
        .then(retry)
        .catch((error) => {});
    },
  },
};

ConnectyCube.init(CREDENTIALS, CONFIG);
  },

  // "Destroy session token".
  destroySession: (ConnectyCube) => {
ConnectyCube.destroySession().catch((error) => {});
  },

  // "User signup".
  signup: (ConnectyCube) => {
const userProfile = {
  login: "marvin18",
  password: "supersecurepwd",
  email: "awesomeman@gmail.com",
  full_name: "Marvin Simon",
  phone: "47802323143",
  website: "https://dozensofdreams.com",
  tag_list: ["iphone", "apple"],
  custom_data: JSON.stringify({ middle_name: "Bartoleo" })
};

ConnectyCube.users
  .signup(userProfile)
  .then((user) => {})
  .catch((error) => {});
  },

  // "User profile update".
  update: (ConnectyCube) => {
const updatedUserProfile = {
  login: "marvin18sim",
  full_name: "Mar Sim",
};

ConnectyCube.users
  .update(updatedUserProfile)
  .then((user) => {})
  .catch((error) => {});
  },

  // "User avatar".
  avatar: (ConnectyCube, { $ }) => {
// for example, a file from HTML form input field
const inputFile = $("input[type=file]")[0].files[0];

const fileParams = {
  name: inputFile.name,
  file: inputFile,
  type: inputFile.type,
  size: inputFile.size,
  public: false,
};

const updateUser = (uploadedFile) => {
  const updatedUserProfile = { avatar: uploadedFile.uid };
  return ConnectyCube.users.update(updatedUserProfile);
};

ConnectyCube.storage
  .createAndUpload(fileParams)
  .then(updateUser)
  .then((updatedUser) => {})
  .catch((error) => {});
  },

  // "Now, other users can get you avatar".
  avatarUrl: (ConnectyCube, { updatedUser }) => {
const avatarUID = updatedUser.avatar;
const avatarURL = ConnectyCube.storage.privateUrl(avatarUID);
const avatarHTML = "<img src='" + avatarURL + "' alt='photo'/>";
  },

  // "Password reset".
  resetPassword: (ConnectyCube) => {
ConnectyCube.users
  .resetPassword("awesomeman@gmail.com")
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve users by ID" (V2).
  getV2ById: (ConnectyCube) => {
const searchParams = { 
    limit: 10,
    offset: 50,
    id: { in: [51941, 51946] }
}

ConnectyCube.users.getV2(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve users by login" (V2).
  getV2ByLogin: (ConnectyCube) => {
const searchParams = { login: 'adminFirstUser' }

ConnectyCube.users.getV2(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve users by last_request_at" (V2).
  getV2ByLastRequestAt: (ConnectyCube) => {
const date = new Date(2017, 10, 10)
const searchParams = { last_request_at: { gt: date } }

ConnectyCube.users.getV2(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve users by ID (Deprecated)".
  getV1ById: (ConnectyCube) => {
const params = {
  page: 1,
  per_page: 5,
  filter: {
    field: "id",
    param: "in",
    value: [51941, 51946],
  },
};

ConnectyCube.users
  .get(params)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve user by login (Deprecated)".
  getV1ByLogin: (ConnectyCube) => {
const searchParams = { login: "marvin18" };

ConnectyCube.users
  .get(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve user by email (Deprecated)".
  getV1ByEmail: (ConnectyCube) => {
const searchParams = { email: "marvin18@example.com" };

ConnectyCube.users
  .get(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve users by full name (Deprecated)".
  getV1ByFullName: (ConnectyCube) => {
const searchParams = { full_name: "Marvin Samuel" };

ConnectyCube.users
  .get(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve user by phone number (Deprecated)".
  getV1ByPhone: (ConnectyCube) => {
const searchParams = { phone: "44678162873" };

ConnectyCube.users
  .get(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve user by external ID (Deprecated)".
  getV1ByExternalId: (ConnectyCube) => {
const searchParams = { external_user_id: "675373912" };

ConnectyCube.users
  .get(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Retrieve users by tags".
  getV1ByTags: (ConnectyCube) => {
const searchParams = { tags: ["apple"] };

ConnectyCube.users
  .get(searchParams)
  .then((result) => {})
  .catch((error) => {});
  },

  // "Delete user".
  deleteUser: (ConnectyCube) => {
ConnectyCube.users
  .delete()
  .then((result) => {})
  .catch((error) => {});
  }
}
