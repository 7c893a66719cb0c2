"""The Slack door: `relay` (events, commands, votes through slack_bolt), `format` (answers as
mrkdwn blocks, the request guards), `serve` (Socket Mode or the HTTP Events API)."""
