// The host app of `feast ui`: Feast's web UI (@feast-dev/feast-ui), rendered as Feast's own host app renders it —
// FeastUI with a react-query client, inside React.StrictMode. The server (Feast.Ui) serves the bundle this file
// becomes, answers projects-list.json and mounts the REST registry API the UI reads.
import React from "react";
import { createRoot } from "react-dom/client";
import { QueryClient } from "react-query";
import FeastUI from "@feast-dev/feast-ui";
import "@feast-dev/feast-ui/dist/feast-ui.css";

const queryClient = new QueryClient();

// React 18's createRoot (Feast's host still calls ReactDOM.render, which React 18 reports as a console error).
createRoot(document.getElementById("root")).render(
  <React.StrictMode>
    <FeastUI reactQueryClient={queryClient} feastUIConfigs={{ tabsRegistry: {} }} />
  </React.StrictMode>,
);
