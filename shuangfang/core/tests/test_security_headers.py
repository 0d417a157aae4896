from shuangfang.core.testing import CastTestCase


class SecurityHeaderTests(CastTestCase):
    def test_every_page_forbids_inline_script_and_style(self):
        for user, path in [(None, "/accounts/login/"), (self.owner, "/"), (self.owner, "/equipment/")]:
            response = self.web(user).get(path)
            self.assertEqual(response.status_code, 200, path)
            policy = response.headers["Content-Security-Policy"]
            self.assertIn("script-src 'self'", policy)
            self.assertIn("style-src 'self'", policy)
            self.assertNotIn("unsafe-inline", policy)
            self.assertIn("frame-ancestors 'none'", policy)
            self.assertEqual(response.headers["X-Content-Type-Options"], "nosniff")
            self.assertEqual(response.headers["X-Frame-Options"], "DENY")

    def test_the_api_docs_load_their_start_up_script_from_a_file(self):
        response = self.web(self.owner).get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertNotIn("<script>", html)
        self.assertIn("script-src 'self'", response.headers["Content-Security-Policy"])
