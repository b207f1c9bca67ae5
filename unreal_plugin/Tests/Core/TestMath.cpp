// Copyright FantasyTalking contributors. Apache-2.0.
//
// Axis conversion and joint deltas: checked as physical statements (rotating a point and then
// converting it gives the same point as converting both first), on seeded random rotations.

#include "FtalkMath.h"
#include "TestHarness.h"

#include <random>

using namespace FantasyTalking;

namespace
{
	FQuatd RandomRotation(std::mt19937& Random)
	{
		std::normal_distribution<double> Normal;
		return Normalize(FQuatd{Normal(Random), Normal(Random), Normal(Random), Normal(Random)});
	}

	FVec3d RandomPoint(std::mt19937& Random)
	{
		std::uniform_real_distribution<double> Uniform(-10.0, 10.0);
		return FVec3d{Uniform(Random), Uniform(Random), Uniform(Random)};
	}

	/** Same rotation: q and -q are. */
	double RotationDistance(const FQuatd& A, const FQuatd& B)
	{
		return 1.0 - std::fabs(Dot(Normalize(A), Normalize(B)));
	}

	void CheckVec(const FVec3d& A, const FVec3d& B, double Tolerance)
	{
		CHECK_NEAR(A.X, B.X, Tolerance);
		CHECK_NEAR(A.Y, B.Y, Tolerance);
		CHECK_NEAR(A.Z, B.Z, Tolerance);
	}
}

TEST_CASE("the character's left, up and forward land where Unreal has them")
{
	const FAxisConversion FacingY(EFacing::PlusY);
	CheckVec(FacingY.ToUnreal(FVec3d{1, 0, 0}), FVec3d{1, 0, 0}, 1e-12);  // left of a +Y-facing mesh is +X
	CheckVec(FacingY.ToUnreal(FVec3d{0, 1, 0}), FVec3d{0, 0, 1}, 1e-12);  // up is +Z
	CheckVec(FacingY.ToUnreal(FVec3d{0, 0, 1}), FVec3d{0, 1, 0}, 1e-12);  // forward is +Y
	const FAxisConversion FacingX(EFacing::PlusX);
	CheckVec(FacingX.ToUnreal(FVec3d{1, 0, 0}), FVec3d{0, -1, 0}, 1e-12); // left of a +X-facing actor is -Y
	CheckVec(FacingX.ToUnreal(FVec3d{0, 0, 1}), FVec3d{1, 0, 0}, 1e-12);
}

TEST_CASE("a converted rotation moves converted points as the original moves the originals")
{
	std::mt19937 Random(7);
	for (EFacing Facing : {EFacing::PlusY, EFacing::MinusY, EFacing::PlusX, EFacing::MinusX})
	{
		const FAxisConversion Axes(Facing);
		for (int Trial = 0; Trial < 200; ++Trial)
		{
			const FQuatd Q = RandomRotation(Random);
			const FVec3d P = RandomPoint(Random);
			CheckVec(Axes.ToUnreal(Rotate(Q, P)), Rotate(Axes.ToUnreal(Q), Axes.ToUnreal(P)), 1e-9);
		}
	}
}

TEST_CASE("the jaw opening (+X rotation, FantasyTalking axes) moves the chin down in Unreal")
{
	const FAxisConversion Axes(EFacing::PlusY);
	const FQuatd JawOpen = FromAxisAngle(FVec3d{1, 0, 0}, 0.42);
	// Chin 8 cm forward of and 4 cm below the jaw hinge (FantasyTalking axes: Z forward, Y up).
	const FVec3d Chin = Axes.ToUnreal(FVec3d{0, -4, 8});
	const FVec3d Opened = Rotate(Axes.ToUnreal(JawOpen), Chin);
	CHECK(Opened.Z < Chin.Z - 2.0); // lower
	CHECK(Opened.Y < Chin.Y);       // and back towards the throat
	CHECK_NEAR(Opened.X, 0.0, 1e-9);
}

TEST_CASE("slerp: ends, midpoint, shorter arc")
{
	const FQuatd A = FromAxisAngle(FVec3d{0, 1, 0}, 0.0);
	const FQuatd B = FromAxisAngle(FVec3d{0, 1, 0}, 1.0);
	CHECK(RotationDistance(Slerp(A, B, 0.0), A) < 1e-12);
	CHECK(RotationDistance(Slerp(A, B, 1.0), B) < 1e-12);
	CHECK(RotationDistance(Slerp(A, B, 0.5), FromAxisAngle(FVec3d{0, 1, 0}, 0.5)) < 1e-12);
	const FQuatd NegB{-B.X, -B.Y, -B.Z, -B.W};
	CHECK(RotationDistance(Slerp(A, NegB, 0.5), FromAxisAngle(FVec3d{0, 1, 0}, 0.5)) < 1e-12);
	// Nearly equal rotations take the normalised-lerp branch and stay unit length.
	const FQuatd C = FromAxisAngle(FVec3d{0, 1, 0}, 1e-4);
	const FQuatd Mid = Slerp(A, C, 0.5);
	CHECK_NEAR(Dot(Mid, Mid), 1.0, 1e-12);
	CHECK(RotationDistance(Mid, FromAxisAngle(FVec3d{0, 1, 0}, 0.5e-4)) < 1e-12);
}

TEST_CASE("joint deltas on a rig with arbitrary rest orientations compose down the chain")
{
	// neck (parent: a spine bone), head (parent neck), jaw (parent head), in component space.
	std::mt19937 Random(11);
	for (int Trial = 0; Trial < 100; ++Trial)
	{
		const FQuatd Spine = RandomRotation(Random);
		const FQuatd NeckLocal = RandomRotation(Random);
		const FQuatd HeadLocal = RandomRotation(Random);
		const FQuatd JawLocal = RandomRotation(Random);
		const FQuatd DeltaNeck = RandomRotation(Random);
		const FQuatd DeltaHead = RandomRotation(Random);
		const FQuatd DeltaJaw = RandomRotation(Random);

		const FQuatd NeckCS = Multiply(Spine, NeckLocal);
		const FQuatd HeadCS = Multiply(NeckCS, HeadLocal);
		const FQuatd JawCS = Multiply(HeadCS, JawLocal);

		// Each new local rotation uses only the incoming pose's parent rotation.
		const FQuatd NewNeckLocal = ApplyJointDelta(Spine, NeckLocal, DeltaNeck);
		const FQuatd NewHeadLocal = ApplyJointDelta(NeckCS, HeadLocal, DeltaHead);
		const FQuatd NewJawLocal = ApplyJointDelta(HeadCS, JawLocal, DeltaJaw);

		const FQuatd NewNeckCS = Multiply(Spine, NewNeckLocal);
		const FQuatd NewHeadCS = Multiply(NewNeckCS, NewHeadLocal);
		const FQuatd NewJawCS = Multiply(NewHeadCS, NewJawLocal);

		CHECK(RotationDistance(NewNeckCS, Multiply(DeltaNeck, NeckCS)) < 1e-10);
		CHECK(RotationDistance(NewHeadCS, Multiply(Multiply(DeltaNeck, DeltaHead), HeadCS)) < 1e-10);
		CHECK(RotationDistance(NewJawCS, Multiply(Multiply(Multiply(DeltaNeck, DeltaHead), DeltaJaw), JawCS)) < 1e-10);
	}
}

TEST_CASE("identity delta leaves the pose alone; Live Link angles are radians / pi")
{
	const FQuatd Parent = FromAxisAngle(FVec3d{0, 0, 1}, 0.7);
	const FQuatd Local = FromAxisAngle(FVec3d{1, 0, 0}, -0.3);
	CHECK(RotationDistance(ApplyJointDelta(Parent, Local, FQuatd()), Local) < 1e-12);
	CHECK_NEAR(RadiansToLiveLinkAngle(3.14159265f), 1.0, 1e-6);
	CHECK_NEAR(RadiansToLiveLinkAngle(-0.5f), -0.5 / 3.14159265358979, 1e-7);
	// A zero quaternion normalises to the identity instead of NaN.
	const FQuatd Zero = Normalize(FQuatd{0, 0, 0, 0});
	CHECK(Zero.W == 1.0 && Zero.X == 0.0);
}

TEST_MAIN()
