// Boots GraphiQL for the usergraph playground.
//
// This file is served from 'self' rather than inlined in the page so that the
// page's Content-Security-Policy can forbid inline scripts entirely. Everything
// the server wants to tell us (endpoint, pre-filled headers, style nonce) comes
// from the JSON block #playground-config that html/template has escaped.
(function () {
	'use strict';

	var root = document.getElementById('graphiql');

	function fail(message) {
		root.textContent = 'The GraphQL playground failed to start: ' + message;
	}

	if (!window.React || !window.ReactDOM || !window.GraphiQL || !window.GraphiQLPluginExplorer) {
		fail('a bundled script did not load (see the browser console).');
		return;
	}

	var config;
	try {
		config = JSON.parse(document.getElementById('playground-config').textContent);
	} catch (err) {
		fail('invalid configuration: ' + err);
		return;
	}

	// Radix UI (used by GraphiQL's dialogs) injects <style> elements and tags
	// them with the nonce found in this global, which is the only way to keep
	// 'unsafe-inline' out of style-src. The nonce is fresh for every page load.
	if (config.styleNonce) {
		window.__webpack_nonce__ = config.styleNonce;
	}

	var params = new URLSearchParams(window.location.search);

	// Resolve the endpoint against the page so that a relative path such as
	// "/graphql" works behind any host name or port.
	var fetcher = window.GraphiQL.createFetcher({
		url: new URL(config.endpoint, window.location.href).toString(),
	});

	// Created once: GraphiQL compares plugins by identity.
	var explorer = window.GraphiQLPluginExplorer.explorerPlugin();

	var props = {
		fetcher: fetcher,
		plugins: [explorer],
		visiblePlugin: explorer,
	};

	// ?query=...&variables=...&operationName=... preload a document, e.g. from
	// documentation links. GraphiQL opens (or reuses) a tab holding it.
	if (params.has('query')) {
		props.query = params.get('query');
	}
	if (params.has('variables')) {
		props.variables = params.get('variables');
		props.defaultEditorToolsVisibility = 'variables';
	}
	if (params.has('operationName')) {
		props.operationName = params.get('operationName');
	}

	// Server-provided headers go into the headers editor (not into the
	// fetcher), so the user sees exactly what is sent and can change it.
	// headers fills the first tab, defaultHeaders every tab opened later.
	if (config.headers && Object.keys(config.headers).length > 0) {
		props.headers = JSON.stringify(config.headers, null, 2);
		props.defaultHeaders = props.headers;
	}

	// The server's tour: the tabs a browser opens with when it has none stored.
	// A ?query= link asks for its own document, which defaultTabs would hide.
	if (!params.has('query') && config.tabs && config.tabs.length > 0) {
		props.defaultTabs = config.tabs.map(function (tab) {
			return { query: tab.query, variables: tab.variables || '', headers: props.headers };
		});
		props.defaultEditorToolsVisibility = 'variables';
	}
	if (props.headers && !props.defaultEditorToolsVisibility) {
		props.defaultEditorToolsVisibility = 'headers';
	}

	root.textContent = '';
	window.ReactDOM.createRoot(root).render(window.React.createElement(window.GraphiQL, props));
})();
