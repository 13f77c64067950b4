package oauth

// PublicClient is a client id another program publishes in its source,
// which anyone can therefore pass with --client-id. imapvault never uses
// one unasked: it names the owner when the person does.
type PublicClient struct {
	Provider string
	Owner    string
	Note     string
}

// PublicClients are the well-known ones (README: OAuth2, "Where a client
// id comes from").
var PublicClients = map[string]PublicClient{
	"9e5f94bc-e8a4-4e73-b8be-63364c29d753": {Provider: Microsoft, Owner: "Mozilla Thunderbird",
		Note: "published in Thunderbird's source (OAuth2Providers.sys.mjs), whose comment asks other programs to register their own"},
	"406964657835-aq8lmia8j95dhl1a2bvharmfk3t1hgqj.apps.googleusercontent.com": {Provider: Google, Owner: "Mozilla Thunderbird",
		Note: "published in Thunderbird's source (OAuth2Providers.sys.mjs), whose comment asks other programs to register their own; Google shows Thunderbird's name at consent"},
}
