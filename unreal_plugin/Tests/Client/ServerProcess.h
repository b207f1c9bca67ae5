// Copyright FantasyTalking contributors. Apache-2.0.
//
// Starts the real Python server (`ftalk serve --port 0`) for the client tests and stops it at the
// end. POSIX only, like the CI machine; the port is read from the server's "listening on" line.

#pragma once

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace FtalkTest
{
	class FServerProcess
	{
	public:
		/** Starts Command with Args; false (and Error set) when it does not announce a port within TimeoutSeconds. */
		bool Start(const std::string& Command, const std::vector<std::string>& Args, int TimeoutSeconds, std::string& Error)
		{
			int Pipe[2];
			if (pipe(Pipe) != 0)
			{
				Error = "pipe failed";
				return false;
			}
			Pid = fork();
			if (Pid == 0)
			{
				dup2(Pipe[1], STDOUT_FILENO);
				close(Pipe[0]);
				close(Pipe[1]);
				setpgid(0, 0);
				// The server dies with the test, even when the test is killed before it can stop it.
				prctl(PR_SET_PDEATHSIG, SIGTERM);
				std::vector<char*> Argv;
				Argv.push_back(const_cast<char*>(Command.c_str()));
				for (const std::string& Arg : Args)
				{
					Argv.push_back(const_cast<char*>(Arg.c_str()));
				}
				Argv.push_back(nullptr);
				execv(Command.c_str(), Argv.data());
				_exit(127);
			}
			close(Pipe[1]);
			Output = Pipe[0];
			std::string Text;
			for (int Waited = 0; Waited < TimeoutSeconds * 10; ++Waited)
			{
				pollfd Poll{Output, POLLIN, 0};
				if (poll(&Poll, 1, 100) > 0)
				{
					char Buffer[512];
					const ssize_t Read = read(Output, Buffer, sizeof(Buffer));
					if (Read <= 0)
					{
						break;
					}
					Text.append(Buffer, static_cast<size_t>(Read));
					const size_t At = Text.find("listening on ");
					const size_t LineEnd = At == std::string::npos ? At : Text.find(' ', At + 13);
					if (LineEnd != std::string::npos)
					{
						Address = Text.substr(At + 13, LineEnd - At - 13);
						return true;
					}
				}
			}
			Error = "the server did not announce its port: " + Text;
			Stop();
			return false;
		}

		/** Stops the server (SIGTERM to its process group, then waits). */
		void Stop()
		{
			if (Pid > 0)
			{
				kill(-Pid, SIGTERM);
				int Status = 0;
				for (int Waited = 0; Waited < 100 && waitpid(Pid, &Status, WNOHANG) == 0; ++Waited)
				{
					usleep(50000);
				}
				if (waitpid(Pid, &Status, WNOHANG) == 0)
				{
					kill(-Pid, SIGKILL);
					waitpid(Pid, &Status, 0);
				}
				Pid = -1;
			}
			if (Output >= 0)
			{
				close(Output);
				Output = -1;
			}
		}

		~FServerProcess() { Stop(); }

		/** "127.0.0.1:PORT". */
		std::string Address;

	private:
		pid_t Pid = -1;
		int Output = -1;
	};
}
