/**
 * Requests a person might type, with the intent each means (null: none of ours; it must not
 * be taken for anything) and the values it carries. Written from the kinds of task in
 * AgentBench's OS set, NL2Bash, tldr pages and common Unix & Linux questions, several
 * phrasings per intent, none copied from the intents' own examples. Every fifth request is
 * held out: bench/understanding.ts reports on it apart, and the examples were not tuned on it.
 */

export interface CorpusEntry {
  text: string;
  /** The intent it means, or null for a request the reactive layer must not take. */
  intent: string | null;
  /** Values it must carry (a subset check). */
  slots?: Record<string, unknown>;
}

const E = (intent: string | null, texts: string[], slots?: Record<string, unknown>): CorpusEntry[] => texts.map((text) => ({ text, intent, ...(slots ? { slots } : {}) }));

export const CORPUS: CorpusEntry[] = [
  ...E("disk.free", [
    "how full is my disk?", "how much space do I have left", "is my hard drive almost full", "what's the disk usage like", "show me free disk space",
    "df -h", "how much storage is free", "check the free space on all partitions", "am I out of disk space?", "Is there enough room on the disk?",
    "how much room is left on the disk?", "what percentage of the disk is used", "disk space left please", "report filesystem usage",
  ]),
  ...E("disk.free", ["how much free space is on /home", "is /var running out of space", "free space on /", "how full is the filesystem that holds /var/lib"], undefined),
  ...E("disk.size", [
    "how big is /var/log", "what's the size of /home/alice", "how much space does /opt take up", "du -sh /srv", "total size of /var/cache",
    "how much disk does /usr use", "tell me the size of /etc", "how large is /var/lib/docker", "space used by /tmp",
  ]),
  ...E("disk.biggest", [
    "what is taking up all the space in /var", "largest files in /home", "show the 5 biggest files under /srv", "which files are the biggest in /var/log",
    "find huge files in /opt", "what's eating up my disk", "top 10 largest files in /", "what uses the most space under /usr",
  ]),
  ...E("memory.usage", [
    "how much memory is free", "how much RAM is in use", "show memory usage", "are we low on memory?", "free -h", "how much memory is left",
    "what's the RAM usage", "how much swap is being used", "memory stats please", "how much memory does this box have",
  ]),
  ...E("cpu.usage", [
    "what's the cpu usage", "how busy is the processor", "is the CPU maxed out", "current cpu load percentage", "cpu utilisation right now", "how loaded is the cpu",
  ]),
  ...E("cpu.count", [
    "how many processors are there?", "how many CPU cores do I have", "number of cpus", "what processor does this machine have", "which CPU model is this", "how many vcpus", "nproc",
  ]),
  ...E("system.load", [
    "how long has this machine been running", "what's the uptime", "when was the last reboot", "show load average", "what is the system load", "how long since the server booted",
  ]),
  ...E("system.hardware", [
    "what hardware does this machine have", "list the block devices", "show me the hardware specs", "which disks are connected", "lsblk",
  ]),
  ...E("system.kernel", [
    "what kernel version is this", "which linux kernel is running", "uname -r", "show the kernel release", "kernel version please",
  ]),
  ...E("system.os", [
    "what version of Linux is this?", "which distro is this", "what operating system is installed", "cat /etc/os-release", "which OS am I on", "what linux distribution is running",
  ]),
  ...E("system.time", ["what time is it", "what's the date", "which timezone are we in", "current date and time"]),
  ...E("system.hostname", [
    "what's the hostname", "what is this server called", "show the host name", "what's the name of this machine", "hostname",
  ]),
  ...E("process.top_cpu", [
    "what is eating the CPU", "which processes are using the most cpu", "show the top cpu consumers", "what's hogging the processor", "top 3 processes by cpu",
    "which program uses most CPU", "find the cpu hog",
  ]),
  ...E("process.stop_top_cpu", [
    "stop whatever is eating the CPU", "kill the process that hogs the cpu", "terminate the busiest process", "kill whatever is using 100% cpu",
    "stop the cpu hog", "please kill the program eating all the processor",
  ]),
  ...E("process.stop_top_memory", [
    "kill whatever is eating all the ram", "stop the process using the most memory", "terminate the memory hog",
  ]),
  ...E("process.top_memory", [
    "which process uses the most memory", "what's using all my ram", "top memory consumers", "show the 5 biggest processes by memory", "what is eating memory", "memory hogs",
  ]),
  ...E("process.list", [
    "list all running processes", "what programs are running", "show me the process list", "ps -ef", "what's running right now",
  ]),
  ...E("process.count", [
    "how many processes are running?", "count the running processes", "what's the number of processes",
  ]),
  ...E("process.find", [
    "what is the pid of nginx", "find the sshd process", "is there a process called redis", "pgrep postgres", "show me the java processes",
  ], undefined),
  ...E("process.info", [
    "what is process 1", "tell me about pid 42", "which program has pid 812", "details for process id 300",
  ]),
  ...E("process.kill_pid", [
    "kill process 4242", "terminate pid 1234", "send SIGTERM to process 999", "end pid 31337", "kill pid 555",
  ]),
  ...E("process.kill_name", [
    "kill firefox", "kill all python processes", "pkill java", "killall node", "terminate every chrome process", "stop the make process",
  ]),
  ...E("net.free_port", [
    "free port 5000", "free port 5000 by stopping what holds it", "kill whatever is on port 8080", "stop the thing listening on port 3000", "port 9000 is taken, free it",
  ]),
  ...E("service.list", [
    "list all services", "which services are running", "show me the services", "what daemons are running", "are all the services up", "show service states",
  ]),
  ...E("service.status", [
    "is sshd running?", "status of nginx", "is the postgres service up", "how is the console doing", "check on the gateway service", "is redis alive", "systemctl status cron",
  ]),
  ...E("service.start", [
    "start nginx", "please start the redis service", "bring up postgres", "fire up the web service", "turn on sshd", "systemctl start cron",
  ]),
  ...E("service.stop", [
    "stop nginx", "shut down the redis service", "turn off sshd", "please stop the web service", "take down postgres", "systemctl stop cron",
  ]),
  ...E("service.restart", [
    "restart nginx", "please restart the sshd service", "bounce the web service", "reload postgres", "can you restart aios-tools", "systemctl restart cron", "reboot the gateway service",
  ]),
  ...E("service.logs", [
    "show the logs of nginx", "what did sshd log", "last 20 lines of the redis log", "show me the orchestrator's logs", "tail the web log", "journalctl -u cron",
  ]),
  ...E("service.errors", [
    "why is sshd failing", "why did nginx crash", "what is wrong with postgres", "show the errors of the web service", "why does redis keep restarting", "what happened to the gateway",
  ]),
  ...E("net.addresses", [
    "what's my IP address", "what ip does this machine have", "show the ip addresses", "ip addr", "which address am I on",
  ]),
  ...E("net.interfaces", [
    "list the network interfaces", "which network cards are there", "what network adapters are there", "show interfaces and their state", "is the network interface up", "ip link show",
  ]),
  ...E("net.routes", [
    "what's the default gateway", "show the routing table", "which route does traffic take", "ip route show", "show me the routes",
  ]),
  ...E("net.dns", [
    "resolve example.com", "what is the IP of debian.org", "look up the address of mirror.local", "nslookup example.org", "dns lookup for router.lan",
  ]),
  ...E("net.ping", [
    "ping 10.0.2.2", "is 192.168.1.1 reachable", "can I reach example.com", "is the host router.lan online", "check if 10.0.0.1 is up",
  ]),
  ...E("net.listeners", [
    "what ports are open", "which ports are listening", "show me the listening sockets", "ss -tlnp", "what services listen on the network", "list open ports",
  ]),
  ...E("net.port_owner", [
    "what is listening on port 22", "who is using port 8080", "which process holds port 5432", "what's running on port 443", "is port 80 in use", "what program is bound to port 3000",
  ]),
  ...E("net.port_check", [
    "is port 80 open on example.com", "can I connect to 10.0.2.2 on port 22", "check port 443 on debian.org", "test the connection to router.lan port 8080",
  ]),
  ...E("firewall.list", [
    "show the firewall rules", "what does the firewall block", "list the nftables ruleset", "iptables -L", "what firewall rules are there",
  ]),
  ...E("firewall.block_port", [
    "block port 2323", "close port 23", "deny incoming connections on port 6379", "drop traffic to port 11211", "firewall off port 3389",
  ]),
  ...E("firewall.allow_port", [
    "open port 8080 for the web app", "allow port 443", "let traffic in on port 80", "allow incoming connections on port 5000", "permit tcp port 22",
  ]),
  ...E("firewall.unblock", ["unblock port 22", "stop blocking port 2323", "unban 198.51.100.7", "remove the firewall rule that blocks port 23"]),
  ...E("firewall.block_ip", [
    "block 203.0.113.9", "ban 198.51.100.7", "block all traffic from 192.0.2.44", "drop everything coming from 203.0.113.50",
  ]),
  ...E("file.read", [
    "show /etc/hosts", "cat /etc/fstab", "what's in the file /etc/resolv.conf", "display /etc/hostname", "read /var/log/dmesg for me", "open /etc/ssh/sshd_config",
  ]),
  ...E("file.head", [
    "first 5 lines of /etc/passwd", "head /var/log/syslog", "show the beginning of /etc/services", "top of /var/log/messages",
  ]),
  ...E("file.tail", [
    "last 20 lines of /var/log/messages", "tail /var/log/syslog", "show the end of /var/log/auth.log", "last lines of /var/log/kern.log", "tail -n 50 /var/log/dpkg.log",
  ]),
  ...E("file.list", [
    "list /etc", "what's in /var/log", "ls -la /home", "show the files in /tmp", "what files are inside /srv", "list the contents of /opt",
  ]),
  ...E("file.count", [
    "how many files are in /var/log", "count the files under /etc", "number of files in /home",
  ]),
  ...E("file.stat", [
    "when was /etc/passwd last modified", "who owns /var/www", "what are the permissions of /etc/shadow", "does /etc/nginx exist", "stat /usr/bin/env", "is /var/run a directory",
  ]),
  ...E("file.find", [
    "find *.conf in /etc", "find all log files in /var/log", "where is sshd_config", "search for *.pem under /etc", "list all .sh files under /opt", "find files named *.bak in /home",
    "locate *.service", "find the json files in /srv",
  ]),
  ...E("file.find_size", [
    "find files bigger than 100 MB in /var", "files larger than 1 GB under /home", "which files in /srv are over 50 MB", "files smaller than 1 KB in /etc", "anything above 500 MB in /opt",
  ]),
  ...E("file.find_age", [
    "files older than 7 days in /tmp", "what changed in /etc in the last 2 days", "files modified in the last 3 hours under /var/log", "files not touched for 30 days in /home", "which files in /srv are older than a week",
  ]),
  ...E("file.find_perm", [
    "world-writable files in /srv", "find executable files under /opt", "setuid files in /usr/bin", "which files in /etc can anyone write to", "are there world writable files in /var",
  ]),
  ...E("file.grep", [
    'find "timeout" in /etc', 'search for "error" in /var/log', 'grep "PermitRootLogin" /etc/ssh', 'which files under /etc mention "nameserver"', 'lines containing "denied" in /var/log',
  ]),
  ...E("file.count_matches", [
    'how many lines in /var/log/syslog contain "error"', 'count "denied" in /var/log/auth.log', 'how many times does "timeout" appear in /etc/app.conf', 'number of lines with "GET" in /var/log/nginx/access.log',
  ]),
  ...E("text.count_lines", ["how many lines does /var/log/syslog have", "wc -l /etc/passwd", "count lines of /srv/data.txt"]),
  ...E("text.distinct", [
    "what are the distinct values of column 2 in /srv/data.txt", "unique lines of /tmp/names.txt", "how many different values are in the 3rd column of /srv/report.csv",
    "list the distinct first fields of /etc/group",
  ]),
  ...E("text.distinct_ips", ["which IPs appear in /var/log/nginx/access.log", "distinct ip addresses in /var/log/auth.log", "top client IPs of /var/log/nginx/access.log"]),
  ...E("text.sum", ["sum column 3 of /srv/sales.csv", "add up the second column of /tmp/numbers.txt", "what's the total of field 5 in /srv/usage.tsv"]),
  ...E("file.mkdir", [
    "create the directory /srv/app", "make a folder /tmp/build", "mkdir -p /var/lib/myapp", "create a new directory /opt/tools",
  ]),
  ...E("file.delete", [
    "delete /tmp/old.log", "remove /var/tmp/cache.bin", "rm /tmp/junk.txt", "get rid of /tmp/report.pdf", "rm -rf /",
  ]),
  ...E("file.move_matching", [
    "move every .log older than 7 days to /archive", "move all *.gz files in /var/log to /srv/old-logs", "move the .bak files from /etc into /root/bak",
    "move log files older than 30 days to /mnt/archive", "mv *.tmp in /var/tmp to /srv/tmp-keep", "move files older than 2 weeks from /srv/uploads to /srv/cold",
  ], undefined),
  ...E("file.delete_matching", [
    "delete every .tmp file older than 3 days in /tmp", "remove all *.bak files under /srv/app", "delete log files older than 30 days in /var/log",
    "rm *.core in /var/crash", "remove files bigger than 500 MB in /var/tmp", "delete the .old files in /etc", "get rid of .gz files older than a week in /var/log",
  ]),
  ...E("file.copy", [
    "copy /etc/hosts to /tmp/hosts", "cp /etc/fstab /root/fstab.bak", "make a copy of /etc/nginx/nginx.conf at /tmp/nginx.conf", "back up /etc/passwd to /tmp/passwd.bak",
  ]),
  ...E("file.move", [
    "move /tmp/a.txt to /srv/a.txt", "rename /tmp/report.txt to /tmp/report-old.txt", "mv /var/tmp/x /var/tmp/y",
  ]),
  ...E("file.chmod", [
    "chmod 640 /srv/app.conf", "set the permissions of /srv/run.sh to 755", "change the mode of /etc/app.key to 600", "give /opt/tool permissions 750",
  ]),
  ...E("users.list", [
    "list users", "who has an account on this machine", "which users can log in", "show all user accounts", "what users exist", "who can log in with a shell",
  ]),
  ...E("users.groups", [
    "which groups is root in", "what groups does alice belong to", "groups of www-data", "id bob", "is alice in the sudo group",
  ]),
  ...E("file.newest", ["which file in /var/log changed most recently", "the 3 newest files in /srv/uploads", "latest files under /var/log/nginx"]),
  ...E("file.oldest", ["the oldest file in /var/backups", "which files in /srv have gone longest without a change"]),
  ...E("file.create", ["touch /tmp/ready.flag", "create an empty file called /srv/app/.keep", "make a blank file /tmp/marker"]),
  ...E("file.chown", ["chown www-data /var/www/html", "make alice the owner of /srv/share", "change the owner of /opt/app to deploy"]),
  ...E("process.count_by_user", ["how many processes is each user running", "process count per user", "count processes for every user"]),
  ...E("users.can_read", ["can alice read /etc/shadow", "is /var/log/auth.log readable by bob", "does www-data have read access to /srv/site"]),
  ...E("users.can_write", ["can bob write to /srv/share", "is /var/www writable by www-data", "does deploy have write access to /opt/app"]),
  ...E("users.can_run", ["can alice run /usr/local/bin/backup", "can bob execute /opt/tool/bin/tool"]),
  ...E("users.info", ["what is the shell of alice", "where is bob's home directory", "which uid does www-data have", "does the user postgres exist"]),
  ...E("login.ssh", ["can root ssh into this box", "is password authentication allowed in sshd", "what are the ssh login settings", "does ssh accept keys"]),
  ...E("login.environment", ["what is $PATH", "show the login environment variables", "what is LANG set to", "printenv please"]),
  ...E("groups.list", [
    "list groups", "which groups exist", "show all groups", "what groups are defined",
  ]),
  // Not ours: the reactive layer must not take these for anything (a model may).
  ...E(null, [
    "make me a sandwich", "write a poem about the sea", "what is the meaning of life", "tell me a joke", "who won the world cup", "translate hello into french",
    "install nginx", "upgrade all packages", "set up a wordpress site", "configure a VPN", "create a user called alice", "add bob to the sudo group",
    "set the timezone to Europe/Paris", "schedule a backup every night at 3", "encrypt my home directory", "compile the kernel",
    "delete everything", "wipe the disk", "format /dev/sda", "reboot now", "shut down the machine", "free some disk space",
    "clean up old logs", "who is logged in", "why is the machine slow", "explain how tcp works", "summarize today's logs", "is my server secure",
    "harden ssh", "fix the network", "what changed yesterday", "send an email to the admin", "open a shell", "give me root", "hello", "thanks",
    "asdf qwer zxcv", "the quick brown fox", "blorp the frobnicator", "restart", "stop", "delete", "kill", "block", "open", "copy that", "move on",
    "write a file with ok in it at /tmp/work/x.txt", "compress the directory /srv/x", "encrypt the file /tmp/a", "write hello to /tmp/greeting",
  ]),
];

/**
 * Written after the intents were tuned, and never tuned on: the honest measure. (The fifth of
 * CORPUS kept apart below was seen while tuning, so it flatters.)
 */
export const FRESH: CorpusEntry[] = [
  ...E("disk.free", ["whats the free space situation", "do we still have space on the root partition", "show disk free", "how much space remains on /var"]),
  ...E("disk.size", ["how much space is /var/log eating", "what does /home weigh", "size of the /opt folder"]),
  ...E("disk.biggest", ["which files hog space under /var", "show me the largest stuff in /home", "the 3 biggest files in /tmp"]),
  ...E("memory.usage", ["is there enough free memory", "how much ram is left", "memory free?"]),
  ...E("cpu.usage", ["is the processor busy right now", "how much cpu is being used"]),
  ...E("cpu.count", ["how many cores are in this box", "what kind of cpu do we have"]),
  ...E("system.load", ["how long has it been up", "what's the load like", "when did this box boot"]),
  ...E("system.kernel", ["which kernel release are we on", "print the kernel version"]),
  ...E("system.os", ["what distro is installed", "which version of debian is this"]),
  ...E("system.time", ["what time is it", "what's the date", "which timezone are we in", "current date and time"]),
  ...E("system.hostname", ["what do we call this host", "print the hostname"]),
  ...E("process.top_cpu", ["which programs burn the most cpu", "top cpu processes"]),
  ...E("process.top_memory", ["which programs eat the most ram", "top processes by ram"]),
  ...E("process.list", ["show every process", "list running programs"]),
  ...E("process.find", ["find the pid of sshd", "is a process named cron running"]),
  ...E("process.kill_pid", ["please kill process 7777", "terminate process 2020"]),
  ...E("service.list", ["show me all the daemons", "what services do we have"]),
  ...E("service.status", ["is nginx up?", "what state is the cron service in", "is the web service running"]),
  ...E("service.start", ["please start cron", "start the web service"]),
  ...E("service.stop", ["stop the cron service please", "halt nginx"]),
  ...E("service.restart", ["restart the cron daemon", "give nginx a restart"]),
  ...E("service.logs", ["logs of cron", "show me what nginx logged"]),
  ...E("service.errors", ["why won't nginx start", "what errors did cron have"]),
  ...E("net.addresses", ["what are my ip addresses", "which ip do I have"]),
  ...E("net.routes", ["where is the default route", "show the gateway"]),
  ...E("net.dns", ["what does example.net resolve to", "look up debian.org"]),
  ...E("net.ping", ["is 8.8.8.8 reachable", "ping example.org please"]),
  ...E("net.listeners", ["which ports are open on this machine", "what is listening for connections"]),
  ...E("net.port_owner", ["who listens on port 53", "which program uses port 8443"]),
  ...E("firewall.list", ["show me the firewall", "list the firewall rules please"]),
  ...E("firewall.block_port", ["block incoming port 25", "please close port 8081"]),
  ...E("firewall.allow_port", ["allow incoming tcp on port 8443", "open up port 9000"]),
  ...E("firewall.block_ip", ["ban the address 203.0.113.77", "block traffic from 198.51.100.23"]),
  ...E("file.read", ["show me /etc/os-release", "read the file /etc/issue"]),
  ...E("file.tail", ["show the last 30 lines of /var/log/syslog", "tail of /var/log/messages"]),
  ...E("file.list", ["what is in the /etc/ssh folder", "list files in /var/tmp"]),
  ...E("file.stat", ["who owns /etc/passwd", "when did /etc/hosts change"]),
  ...E("file.find", ["find all *.log files under /var", "where are the .conf files in /etc"]),
  ...E("file.mkdir", ["create a directory called /srv/data", "mkdir /tmp/work"]),
  ...E("file.delete", ["delete the file /tmp/test.txt", "remove /var/tmp/old.tar"]),
  ...E("file.delete_matching", ["erase the *.swp files in /home/alice", "wipe the .log files older than 10 days in /var/log/app"]),
  ...E("file.move_matching", ["move every .csv in /srv/in to /srv/done"]),
  ...E("process.stop_top_cpu", ["kill the thing using all the cpu"]),
  ...E("text.sum", ["total up column 4 in /var/log/transfer.log"]),
  ...E("users.info", ["what's the home folder of alice"]),
  ...E("login.ssh", ["is root login over ssh disabled"]),
  ...E("login.environment", ["what's HOME at login"]),
  ...E("text.distinct_ips", ["what addresses hit /var/log/nginx/access.log the most"]),
  ...E("text.count_lines", ["how many lines has /etc/services got"]),
  ...E("text.distinct", ["give me the unique values in column 7 of /etc/passwd"]),
  ...E("file.copy", ["copy /etc/issue to /tmp/issue"]),
  ...E("file.chmod", ["chmod 700 /srv/private"]),
  ...E("users.list", ["what user accounts exist", "list the users on this box"]),
  ...E("users.groups", ["which groups does alice have"]),
  ...E(null, [
    "install docker", "please update the system", "what's the weather", "create a cron job", "set a password for bob", "make a backup of /etc",
    "why is everything so slow", "restart the whole machine", "speed this up", "write me a script", "who are you", "delete all the logs",
    "kill everything", "open the pod bay doors", "what is the answer", "change the hostname to web1",
    "compress the logs older than a week in /var/log", "archive old files", "delete old stuff",
  ]),
];

/** Every fifth request of CORPUS, kept apart for reporting (but seen while tuning). */
export const HELD_OUT = CORPUS.filter((_, i) => i % 5 === 4);
export const DEVELOPMENT = CORPUS.filter((_, i) => i % 5 !== 4);
