/* sdrencrypt: encrypt each stdin line with NSS's own SDR (PK11SDR_Encrypt),
 * the way Thunderbird encrypts logins.json fields, and print it base64.
 * Usage: sdrencrypt sql:PROFILE PASSWORD-FILE   (empty file: no password)
 * Built by the importers tests with gcc against libnss3. */
#include <stdio.h>
#include <string.h>
#include <nss.h>
#include <pk11pub.h>
#include <pk11sdr.h>
#include <secitem.h>
#include <secport.h>
#include <nssb64.h>

static char pw[1024];

static char *getpw(PK11SlotInfo *slot, PRBool retry, void *arg) {
	(void)slot; (void)arg;
	return retry ? NULL : PORT_Strdup(pw);
}

int main(int argc, char **argv) {
	if (argc != 3)
		return 2;
	FILE *f = fopen(argv[2], "r");
	if (!f)
		return 2;
	if (!fgets(pw, sizeof pw, f))
		pw[0] = 0;
	fclose(f);
	pw[strcspn(pw, "\r\n")] = 0;
	if (NSS_InitReadWrite(argv[1]) != SECSuccess)
		return 3;
	PK11_SetPasswordFunc(getpw);
	PK11SlotInfo *slot = PK11_GetInternalKeySlot();
	if (PK11_NeedLogin(slot) && PK11_Authenticate(slot, PR_TRUE, NULL) != SECSuccess)
		return 4;
	char line[8192];
	while (fgets(line, sizeof line, stdin)) {
		size_t n = strcspn(line, "\n");
		line[n] = 0;
		SECItem keyid = {siBuffer, NULL, 0};
		SECItem in = {siBuffer, (unsigned char *)line, (unsigned int)n};
		SECItem out = {siBuffer, NULL, 0};
		if (PK11SDR_Encrypt(&keyid, &in, &out, NULL) != SECSuccess)
			return 5;
		char *b64 = NSSBase64_EncodeItem(NULL, NULL, 0, &out);
		for (char *p = b64; *p; p++)
			if (*p != '\r' && *p != '\n')
				putchar(*p);
		putchar('\n');
		SECITEM_FreeItem(&out, PR_FALSE);
		PORT_Free(b64);
	}
	PK11_FreeSlot(slot);
	return NSS_Shutdown() == SECSuccess ? 0 : 6;
}
