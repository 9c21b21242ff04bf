package main

import (
	"fmt"
	"net"
	"time"

	"github.com/usergraph/usergraph/auth"
)

// playgroundTokenTTL bounds the development token pre-filled in the playground.
const playgroundTokenTTL = 12 * time.Hour

// credentials is what the server accepts: its authenticator, the public keys to publish,
// and the headers to pre-fill in the playground (only on loopback).
type credentials struct {
	authenticator     *auth.Authenticator
	jwks              []byte
	playgroundHeaders map[string]string
	// help tells a caller without credentials where to get some.
	help string
}

// setUpAuth maps the configuration onto package auth: API keys from USERGRAPH_API_KEYS /
// _FILE in every mode; tokens of the Scalekit environment in front of Scalekit, else
// tokens signed by the server's own key.
func setUpAuth(cfg config) (*credentials, error) {
	var keys []auth.APIKey
	if cfg.apiKeys != "" {
		k, err := auth.ParseAPIKeys(cfg.apiKeys)
		if err != nil {
			return nil, fmt.Errorf("USERGRAPH_API_KEYS: %w", err)
		}
		keys = append(keys, k...)
	}
	if cfg.apiKeysFile != "" {
		k, err := auth.LoadAPIKeysFile(cfg.apiKeysFile)
		if err != nil {
			return nil, fmt.Errorf("USERGRAPH_API_KEYS_FILE: %w", err)
		}
		keys = append(keys, k...)
	}
	s := auth.Settings{APIKeys: keys}
	backend := backendName(cfg)
	if backend == backendScalekit {
		s.ScalekitURL = cfg.scalekitURL
		s.ServiceClientIDs = append([]string{cfg.scalekitClientID}, splitList(cfg.serviceClients)...)
		if cfg.audience != "*" {
			s.Audience = splitList(cfg.audience)
		}
	} else {
		s.KeysDir = firstNonEmpty(cfg.keysDir, keysDir(cfg.db))
	}
	a, ks, err := auth.Setup(s)
	if err != nil {
		return nil, err
	}
	c := &credentials{authenticator: a}
	if backend == backendScalekit {
		c.help = "send an access token of the Scalekit environment " + cfg.scalekitURL + " or an API key of USERGRAPH_API_KEYS"
	} else {
		c.help = "for a development token run `go run . token -user usr_…` (a user) or `go run . token -service NAME` " +
			"(a service) beside the server; the playground on http://localhost carries one"
	}
	if ks != nil {
		c.jwks = ks.PublicJWKS()
	}
	if ks != nil && backend == backendSQLite && loopback(cfg.addr) {
		// A development convenience that must never reach another machine: only the
		// single-file embedded store on a loopback listener gets it, and the page carries
		// it only to browsers connected directly over loopback.
		tok, err := ks.MintEmbedded(auth.MintClaims{Subject: "playground", Service: true}, playgroundTokenTTL)
		if err != nil {
			a.Close()
			return nil, err
		}
		c.playgroundHeaders = map[string]string{"Authorization": "Bearer " + tok}
	}
	return c, nil
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
