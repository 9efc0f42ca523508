/** Never download a browser: tests launch Debian's /usr/bin/chromium. */
module.exports = { skipDownload: true };
