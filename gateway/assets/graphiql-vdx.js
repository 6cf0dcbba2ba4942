// GraphiQL for the vdx partner API, on this gateway's own /graphql. Every
// script and style is served by the gateway itself (no CDN).
(function () {
  'use strict';
  var defaultQuery = [
    '# vdx partner GraphQL. The catalog is public.',
    '# Vehicle data and commands need a token from',
    '# POST /oauth/token: add it under Headers as',
    '# {"Authorization": "Bearer <token>"}',
    '',
    '{',
    '  catalog {',
    '    products {',
    '      slug',
    '      name',
    '      scopes',
    '      versions { version status purposes { name description } }',
    '    }',
    '  }',
    '}',
    ''
  ].join('\n');
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      shouldPersistHeaders: false,
      defaultEditorToolsVisibility: 'headers'
    })
  );
})();
