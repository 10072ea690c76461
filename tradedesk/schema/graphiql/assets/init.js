// GraphiQL on this server's /graphql: queries and mutations over HTTP, subscriptions over the
// websocket at the same path. A script file of its own, so the page works under a
// `script-src 'self'` policy. The query (`?q=`) and variables are kept in the URL, the headers
// in local storage (an Authorization header typed once stays for the next visit).
"use strict";

const EXAMPLE_QUERY = `# Tradedesk's GraphQL API. Public fields need no token; for your own data, add
# {"Authorization": "Bearer <token>"} under Headers below.
#
# Run:  Ctrl-Enter        Complete:  Ctrl-Space

{
  plans {
    name
  }
}
`;

const parameters = Object.fromEntries(new URLSearchParams(window.location.search));

function keepInUrl(changes) {
  Object.assign(parameters, changes);
  const kept = Object.entries(parameters).filter(([, value]) => Boolean(value));
  history.replaceState(null, "", "?" + new URLSearchParams(kept).toString());
}

const fetchUrl = window.location.href.split("?")[0];
const socketUrl = new URL(fetchUrl);
socketUrl.protocol = socketUrl.protocol === "https:" ? "wss:" : "ws:";
socketUrl.hash = "";

const fetcher = GraphiQL.createFetcher({ url: fetchUrl, subscriptionUrl: socketUrl.toString() });
const explorer = GraphiQLPluginExplorer.explorerPlugin();

function TradedeskGraphiQL() {
  const [query, setQuery] = React.useState(parameters.q || EXAMPLE_QUERY);
  const [variables, setVariables] = React.useState(parameters.variables);
  return React.createElement(GraphiQL, {
    fetcher: fetcher,
    plugins: [explorer],
    query: query,
    variables: variables,
    onEditQuery: (text) => {
      setQuery(text);
      keepInUrl({ q: text }); // not `query`: that would run it as a GET request
    },
    onEditVariables: (text) => {
      setVariables(text);
      keepInUrl({ variables: text });
    },
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: true,
  });
}

ReactDOM.createRoot(document.getElementById("graphiql")).render(
  React.createElement(TradedeskGraphiQL),
);
