// The URL prefix the UI is served under (`feast ui --root-path`), read when the page loads from the meta tag the
// server fills in. The build points the library's `process.env.PUBLIC_URL` (its router basename and the prefix of
// projects-list.json and /api/v1/registry/refresh) here, so one bundle serves under any prefix.
export const feastPublicUrl =
  document.querySelector('meta[name="feast-public-url"]')?.getAttribute("content") ?? "";
