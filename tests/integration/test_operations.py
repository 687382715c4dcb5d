"""What an operator meets: `check` refuses what `serve` would refuse, with FILE:LINE:COL."""

import os
import re
import unittest

from harness import KapselServer, write


class CheckAgreesWithServe(unittest.TestCase):
    """Every configuration `serve` refuses at start is refused by `check` first, both exiting 2
    with the same message at the key's line and column."""

    def assert_both_refuse(self, server, pattern):
        self.addCleanup(server.discard)
        messages = {}
        for command in ("check", "serve"):
            p = server.run(command, timeout=30)
            self.assertEqual(p.returncode, 2, "%s accepted it: %s" % (command, p.stdout.decode() + p.stderr.decode()))
            err = p.stderr.decode().strip().splitlines()[-1]
            self.assertRegex(err, "^" + re.escape(server.config) + r":\d+:\d+: " + pattern)
            messages[command] = err[err.index(server.config):]
        self.assertEqual(messages["check"], messages["serve"])
        return messages["check"]

    def config_with(self, old, new, **kw):
        server = KapselServer(**kw)
        with open(server.config) as f:
            text = f.read()
        self.assertIn(old, text)
        with open(server.config, "w") as f:
            f.write(text.replace(old, new))
        return server

    def test_a_host_name_in_listen(self):
        server = self.config_with('listen = ["127.0.0.1:0"]', 'listen = ["localhost:19803"]')
        message = self.assert_both_refuse(server, r"server\.listen: 'localhost' is not an IP address")
        self.assertIn(":2:11:", message)  # the element itself, in the [server] table's second line

    def test_a_listen_entry_twice(self):
        server = self.config_with('listen = ["127.0.0.1:0"]', 'listen = ["127.0.0.1:19804", "127.0.0.1:19804"]')
        self.assert_both_refuse(server, r"server\.listen: 127\.0\.0\.1:19804 overlaps 127\.0\.0\.1:19804")

    def test_a_wildcard_and_an_address_on_one_port(self):
        server = self.config_with('listen = ["127.0.0.1:0"]', 'listen = ["0.0.0.0:19805", "127.0.0.1:19805"]')
        self.assert_both_refuse(server, r"server\.listen: 127\.0\.0\.1:19805 overlaps 0\.0\.0\.0:19805")

    def test_an_account_that_does_not_exist(self):
        server = KapselServer(server={"user": '"no-such-kapsel-user"'})
        self.assert_both_refuse(server, r"server\.user: no such user 'no-such-kapsel-user'")

    def test_a_group_that_does_not_exist(self):
        server = KapselServer(server={"group": '"no-such-kapsel-group"'})
        self.assert_both_refuse(server, r"server\.group: no such group 'no-such-kapsel-group'")

    def test_a_certificate_whose_key_is_missing(self):
        server = KapselServer()
        write(os.path.join(server.dir, "certs", "cert.pem"), "left behind\n")
        self.assert_both_refuse(server, r".*key\.pem: missing, but its certificate .* exists")

    def test_a_key_that_is_not_a_key(self):
        server = KapselServer()
        write(os.path.join(server.dir, "certs", "key.pem"), "not a key\n")
        self.assert_both_refuse(server, r".*key\.pem: not a PEM private key")

    def test_a_ticket_key_file_of_the_wrong_size(self):
        server = self.config_with("[tls]\n", '[tls]\nticket_key_file = "tickets.key"\n')
        write(os.path.join(server.dir, "tickets.key"), "too short")
        self.assert_both_refuse(server, r".*tickets\.key: a ticket key file holds")

    def test_an_access_log_in_a_directory_that_does_not_exist(self):
        server = KapselServer(access_log="no/such/dir/access.log")
        self.assert_both_refuse(server, r"log\.access_log: the directory .*no/such/dir does not exist")


if __name__ == "__main__":
    unittest.main()
